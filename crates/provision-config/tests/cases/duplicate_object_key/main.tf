# An object literal may set the same key twice, as in Terraform: the last value wins.
variable "ports" {
  type    = map(number)
  default = { http = 80, https = 443, http = 8080 }
}

locals {
  rule = { port = 80, protocol = "tcp", port = 8080, "protocol" = "udp" }
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "a", Name = "b-${local.rule.port}" }
}
