terraform {
  required_providers {
    fake = { source = "example/fake" }
  }
}

variable "replicas" {
  type    = number
  default = -1
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

module "negative" {
  source = "./modules/net"
  count  = var.replicas
  name   = "negative"
}

module "list" {
  source   = "./modules/net"
  for_each = ["a", "b"]
  name     = each.key
}

module "from_resource" {
  source   = "./modules/net"
  for_each = toset([fake_network.main.id])
  name     = each.key
}

module "null" {
  source   = "./modules/net"
  for_each = null
  name     = "null"
}

module "app" {
  source   = "./modules/app"
  for_each = toset(["x", "y"])
  zones    = ["a", "b"]
}

module "map_from_resource" {
  source   = "./modules/net"
  for_each = { (fake_network.main.arn) = "a" }
  name     = each.value
}

module "count_from_resource" {
  source = "./modules/net"
  count  = length(fake_network.main.id)
  name   = "n"
}
