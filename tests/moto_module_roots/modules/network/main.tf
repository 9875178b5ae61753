variable "vpc_id" {
  type = string
}

resource "aws_subnet" "a" {
  vpc_id            = var.vpc_id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = var.vpc_id
  cidr_block        = "10.40.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_security_group" "alb" {
  name        = "edge-alb"
  description = "Traffic to the load balancers"
  vpc_id      = var.vpc_id
}

output "subnet_ids" {
  value = [aws_subnet.a.id, aws_subnet.b.id]
}

output "security_group_id" {
  value = aws_security_group.alb.id
}
