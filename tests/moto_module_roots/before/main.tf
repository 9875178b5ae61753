# Before: a network written at the root, as a team starts. tests/moto_cli.rs applies this, then
# replaces it with ../after/main.tf, which moves the subnets and the security group into a module.

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "edge" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_security_group" "alb" {
  name        = "edge-alb"
  description = "Traffic to the load balancers"
  vpc_id      = aws_vpc.main.id
}
