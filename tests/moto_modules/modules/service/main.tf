variable "name" {
  type = string
}

variable "port" {
  type = number
}

variable "vpc_id" {
  type = string
}

resource "aws_security_group" "this" {
  name        = "svc-${var.name}"
  description = "Traffic to the ${var.name} service"
  vpc_id      = var.vpc_id
  tags        = { Service = var.name }
}

resource "aws_vpc_security_group_ingress_rule" "listen" {
  security_group_id = aws_security_group.this.id
  description       = "The service's port"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = "10.20.0.0/16"
}

output "security_group_id" {
  value = aws_security_group.this.id
}
