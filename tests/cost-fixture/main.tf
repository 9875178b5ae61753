# A small stack for the cost tests: a NAT gateway and its address (runtime), a secret (base), and
# free plumbing. Planned from an empty state it needs no AWS call, so `provision plan` prints its
# estimate without credentials.

provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}

resource "aws_secretsmanager_secret" "db" {
  name = "cost-fixture-db"
}
