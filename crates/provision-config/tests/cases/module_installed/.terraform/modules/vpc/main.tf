variable "cidr" {
  type = string
}

resource "fake_network" "this" {
  cidr_block = var.cidr
}

output "network_id" {
  value = fake_network.this.id
}

output "typo" {
  value = fake_network.this.idd
}
