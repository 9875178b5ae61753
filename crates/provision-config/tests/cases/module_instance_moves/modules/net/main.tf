variable "name" {
  type = string
}

resource "fake_network" "this" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = var.name }
}

output "id" {
  value = fake_network.this.id
}
