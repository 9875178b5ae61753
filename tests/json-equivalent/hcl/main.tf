# The HCL twin of ../json/main.tf.json: both must plan the same changes.
provider "aws" {
  region = "eu-west-3"
  default_tags {
    tags = { stack = "twins" }
  }
}

variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

locals {
  cidr = "10.0.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block = local.cidr
  tags       = { Name = "main-${terraform.workspace}" }
}

resource "aws_subnet" "named" {
  for_each   = toset(var.names)
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(local.cidr, 8, index(var.names, each.key))
  tags       = { Name = "subnet \"${each.key}\"" }
}

resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
  health_check {
    path    = "/health"
    matcher = "200"
  }
  depends_on = [aws_subnet.named]
}

output "subnets" {
  value = [for s in aws_subnet.named : s.cidr_block]
}
