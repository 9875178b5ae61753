variable "cidr" {
  type = string
}

variable "name" {
  type = string
}

resource "fake_network" "this" {
  cidr_block = var.cidr
  tags       = { Name = var.name }
}

output "network_id" {
  value = fake_network.this.id
}
