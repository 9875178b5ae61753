variable "ports" {
  type    = list(number)
  default = [80, 443]
}

resource "fake_network" "a" {
  cidr_block = "10.0.0.0/16"

  # No such block on the type: reported once, at the block.
  dynamic "ingress" {
    for_each = var.ports
    content {
      port = ingress.value
    }
  }
}

resource "fake_network" "b" {
  cidr_block = "10.1.0.0/16"

  dynamic "rule" {
    for_each = var.ports
    iterator = "r"
    content {}
  }

  dynamic "rule" {
    for_each = var.ports
  }

  dynamic {
    for_each = var.ports
    content {}
  }
}

resource "fake_network" "c" {
  cidr_block = "10.2.0.0/16"
  tags       = { Port = ingress.value }
}
