resource "fake_network" "twice" {
  cidr_block = "10.0.0.0/16"
  cidr_block = "10.1.0.0/16"
}
