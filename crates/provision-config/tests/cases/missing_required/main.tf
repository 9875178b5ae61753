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
