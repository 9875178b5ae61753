# Valid, but much of it is known only once AWS has been asked (the zones) or a value is given (the
# variables): `validate` checks what it can and must not refuse the rest.

variable "region" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "zone_count" {
  type    = number
  default = 2
}

provider "aws" {
  region = var.region
}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  zones = slice(data.aws_availability_zones.available.names, 0, var.zone_count)
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
}

resource "aws_subnet" "public" {
  for_each          = toset(local.zones)
  vpc_id            = aws_vpc.main.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, index(local.zones, each.key))
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.main.id
  availability_zone = local.zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, 100 + count.index)
}

resource "aws_security_group" "web" {
  name_prefix = "web-"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 8
    to_port     = 0
    protocol    = "icmp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

output "public_subnet_ids" {
  value = [for s in aws_subnet.public : s.id]
}
