# A security group per service, made by one module call with for_each: the moto test of module
# instances (tests/moto_cli.rs). Adding a service to var.services adds only that service's objects.

provider "aws" {
  region = "eu-west-1"
}

variable "services" {
  description = "Each service and the port it listens on."
  type        = map(number)
  default = {
    api = 8080
    web = 443
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "services" }
}

module "service" {
  source   = "./modules/service"
  for_each = var.services

  name   = each.key
  port   = each.value
  vpc_id = aws_vpc.main.id
}

output "security_group_ids" {
  value = { for name, s in module.service : name => s.security_group_id }
}
