terraform {
  required_version = ">= 1.5"
  required_providers {
    fake = { source = "example/fake" }
  }
  backend "local" {
    path = "state.json"
  }
}

provider "fake" {
  region = var.region
  default_tags {
    tags = { ManagedBy = "provision" }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "secret" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}

locals {
  cidrs = [for i in range(2) : cidrsubnet("10.0.0.0/16", 8, i)]
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_subnet" "a" {
  count      = length(local.cidrs)
  network_id = fake_network.main.id
  cidr_block = local.cidrs[count.index]
  depends_on = [fake_network.main]
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [tags]
  }
}

output "ids" {
  value = fake_subnet.a[*].id
}
