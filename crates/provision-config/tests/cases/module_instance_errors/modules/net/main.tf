variable "cidr" {
  type = string
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a CIDR block."
  }
}

variable "name" {
  type = string
}

variable "zones" {
  type    = number
  default = 2
}

locals {
  tags = { Name = var.name, Module = path.module }
}

resource "fake_network" "this" {
  cidr_block = var.cidr
  tags       = local.tags
}

module "subnets" {
  source     = "./subnets"
  network_id = fake_network.this.id
  cidr       = var.cidr
  count_of   = var.zones
}

output "network_id" {
  value = fake_network.this.id
}

output "cidr" {
  value = var.cidr
}

output "subnet_ids" {
  value = module.subnets.ids
}
