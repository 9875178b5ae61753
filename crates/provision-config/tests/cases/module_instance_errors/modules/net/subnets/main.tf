variable "network_id" {
  type = string
}

variable "cidr" {
  type = string
}

variable "count_of" {
  type = number
}

resource "fake_subnet" "this" {
  count      = var.count_of
  network_id = var.network_id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}

output "ids" {
  value = fake_subnet.this[*].id
}
