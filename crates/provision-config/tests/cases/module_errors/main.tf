module "net" {
  source  = "./modules/net"
  cidr    = "10.0.0.0/16"
  nmae    = "demo"
}

module "twice" {
  source = "./modules/net"
  count  = 2
  cidr   = "10.1.0.0/16"
  name   = "twice"
}

module "registry" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}

module "loop" {
  source = "./modules/loop"
}

resource "fake_subnet" "a" {
  network_id = module.net.network_idd
  cidr_block = module.nett.cidr
}

output "broken" {
  value = module.broken.anything
}

module "bad" {
  source = "./modules/bad"
  name   = "bad"
}

module "bad_again" {
  source = "./modules/bad"
  name   = "again"
}
