# One cause, one error: an argument provision does not support is reported once, at its name, and
# what its value refers to (here an attribute provision does not have either) is not reported
# again. The same reference outside such an argument is still an error.
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_subnet" "a" {
  network_id = fake_network.main.id
  cidr_block = cidrsubnet(fake_network.main.cidr_block, 8, 0)
  ipv6_block = cidrsubnet(fake_network.main.ipv6_block, 8, 0)

  placement {
    zone = fake_network.main.ipv6_block
  }
}

output "ipv6" {
  value = fake_network.main.ipv6_block
}
