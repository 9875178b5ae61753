resource "fake_subnet" "a" {
  cidr_block = "10.0.1.0/24"
  count      = 1
  for_each   = toset(["a"])
  lifecycle {
    ignore_changes = [tagz]
  }
  provisioner "local-exec" {}
}

variable "dup" {}
variable "dup" {}

resource "fake_network" "twice" {
  cidr_block = "10.0.0.0/16"
  cidr_block = "10.1.0.0/16"
}
