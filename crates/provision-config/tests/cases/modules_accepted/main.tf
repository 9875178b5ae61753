terraform {
  required_providers {
    fake = { source = "example/fake" }
  }
}

variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

module "net" {
  source = "./modules/net"
  cidr   = var.cidr
  name   = "demo"
}

resource "fake_subnet" "extra" {
  network_id = module.net.network_id
  cidr_block = cidrsubnet(module.net.cidr, 8, 9)
  depends_on = [module.net]
}

output "subnets" {
  value = module.net.subnet_ids
}

output "whole" {
  value = module.net
}
