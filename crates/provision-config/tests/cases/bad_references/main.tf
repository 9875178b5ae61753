variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

resource "fake_network" "main" {
  cidr_block = var.cdir
  tags       = local.missing
}

resource "fake_subnet" "a" {
  count      = 2
  network_id = fake_network.main.idd
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
  zone       = each.key
}

resource "fake_subnet" "b" {
  network_id = fake_network.main[0].id
  cidr_block = fake_subnet.a.cidr_block
}

output "missing" {
  value = fake_gateway.nope.id
}

resource "fake_subnet" "c" {
  network_id = fake_network.mian.id
  cidr_block = "10.0.9.0/24"
}
