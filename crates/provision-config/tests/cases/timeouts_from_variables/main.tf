# Public modules pass timeouts in as variables (`create = var.create_timeout`, default null):
# Terraform accepts any expression there. A literal is checked here; an expression is evaluated
# with each instance (null keeps the type's default).
variable "create_timeout" {
  type    = string
  default = "40m"
}

variable "delete_timeout" {
  type    = string
  default = null
}

locals {
  update_timeout = "1h"
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"

  timeouts {
    create = var.create_timeout
    update = local.update_timeout
    delete = var.delete_timeout
  }
}

resource "fake_network" "literal" {
  cidr_block = "10.1.0.0/16"

  timeouts {
    create = "1h30m"
    delete = "${20 + 10}m"
  }
}
