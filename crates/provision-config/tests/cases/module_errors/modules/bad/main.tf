variable "name" {
  type = string
}

resource "fake_network" "this" {
  cidr_block = "10.9.0.0/16"
  tags       = { Name = var.nme }
}
