terraform {
  required_providers {
    fake = { source = "example/fake" }
  }
}

module "both" {
  source   = "./modules/net"
  count    = 2
  for_each = toset(["a"])
  cidr     = "10.0.0.0/16"
  name     = "both"
}

module "plain" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
  name   = each.key
}

module "counted" {
  source = "./modules/net"
  count  = 2
  cidr   = "10.0.0.0/16"
  name   = each.value
}

module "keyed" {
  source   = "./modules/net"
  for_each = toset([each.key])
  cidr     = "10.0.0.0/16"
  name     = "keyed-${count.index}"
}

output "no_key" {
  value = module.counted.network_id
}

output "key_on_plain" {
  value = module.plain[0].network_id
}

output "no_such_output" {
  value = module.counted[0].network
}
