module "vpc" {
  source = "./vpc"
}

resource "fake_netwrok" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_network" "other" {
  cidr_blok = "10.0.0.0/16"
  arn       = "arn:fake"
}

data "fake_nothing" "x" {}

locals {
  bad = lenght(var.zones)
}

foo "bar" {}
