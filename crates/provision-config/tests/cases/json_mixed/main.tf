# A root mixing the two syntaxes: HCL here, JSON in network.tf.json, referring to each other.
variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

resource "fake_subnet" "a" {
  network_id = fake_network.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 1)
}

output "network" {
  value = local.network_name
}
