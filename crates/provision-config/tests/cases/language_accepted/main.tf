# Valid Terraform that provision accepts with Terraform's meaning.
terraform {
  # Metadata for the provider's user agent: accepted, nothing to pass it to.
  provider_meta "fake" {
    user_agent = ["provision-tests/1.0"]
  }
}

variable "token" {
  type      = string
  ephemeral = true
  default   = "secret"
}

locals {
  # Derived from an ephemeral variable: fine in a local that nothing stored uses.
  header = "Bearer ${var.token}"
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "main" }
  # Set as in the AWS provider, where it has no effect: a warning says so.
  tags_all = { Name = "main" }
}
