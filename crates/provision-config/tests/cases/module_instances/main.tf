terraform {
  required_providers {
    fake = { source = "example/fake" }
  }
}

provider "fake" {
  alias  = "west"
  region = "west-1"
}

variable "networks" {
  type = map(string)
  default = {
    blue  = "10.1.0.0/16"
    green = "10.2.0.0/16"
  }
}

variable "copies" {
  type    = number
  default = 2
}

module "net" {
  source    = "./modules/net"
  for_each  = var.networks
  cidr      = each.value
  name      = each.key
  zones     = 1
  providers = { fake = fake.west }
}

module "copy" {
  source = "./modules/net"
  count  = var.copies
  cidr   = "10.${count.index + 10}.0.0/16"
  name   = "copy-${count.index}"
}

module "none" {
  source   = "./modules/net"
  for_each = toset([])
  cidr     = "10.0.0.0/16"
  name     = each.key
}

resource "fake_subnet" "extra" {
  network_id = module.net["blue"].network_id
  cidr_block = cidrsubnet(module.net["blue"].cidr, 8, 9)
  depends_on = [module.copy]
}

output "ids" {
  value = { for k, m in module.net : k => m.network_id }
}

output "copy_cidrs" {
  value = module.copy[*].cidr
}

moved {
  from = module.old
  to   = module.net["blue"]
}

import {
  to = module.net["green"].fake_network.this
  id = "net-123"
}
