# After: the subnets and the security group moved into ../modules/network (moved blocks: a state
# move, no AWS object replaced), and one load balancer per service from ../modules/alb, called
# with for_each.

provider "aws" {
  region = "eu-west-1"
}

variable "services" {
  description = "Each service behind a load balancer of its own, and its port."
  type        = map(number)
  default = {
    api   = 8080
    web   = 80
    admin = 9000
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "edge" }
}

module "network" {
  source = "../modules/network"
  vpc_id = aws_vpc.main.id
}

moved {
  from = aws_subnet.a
  to   = module.network.aws_subnet.a
}

moved {
  from = aws_subnet.b
  to   = module.network.aws_subnet.b
}

moved {
  from = aws_security_group.alb
  to   = module.network.aws_security_group.alb
}

module "alb" {
  source   = "../modules/alb"
  for_each = var.services

  name              = each.key
  port              = each.value
  vpc_id            = aws_vpc.main.id
  subnet_ids        = module.network.subnet_ids
  security_group_id = module.network.security_group_id
}

output "load_balancers" {
  value = { for name, alb in module.alb : name => alb.dns_name }
}
