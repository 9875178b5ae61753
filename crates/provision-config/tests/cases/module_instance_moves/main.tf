terraform {
  required_providers {
    fake = { source = "example/fake" }
  }
}

module "net" {
  source   = "./modules/net"
  for_each = toset(["blue"])
  name     = each.key
}

moved {
  from = module.old
  to   = module.net["purple"]
}
