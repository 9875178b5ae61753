variable "zones" {
  type = list(string)
}

module "zone" {
  source   = "../net"
  for_each = var.zones
  name     = each.key
}
