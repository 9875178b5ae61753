# An ephemeral variable's value is never stored: not in a resource argument, not in an output,
# not through a local.
variable "token" {
  type      = string
  ephemeral = true
  default   = "secret"
}

locals {
  header = "Bearer ${var.token}"
  again  = upper(local.header)
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { auth = local.again }
}

output "token" {
  value = var.token
}
