# Security groups: the load balancer takes HTTP and HTTPS from anywhere; the application takes
# its port from the load balancer only.

variable "name" {
  type        = string
  description = "Prefix for names."
}

variable "vpc_id" {
  type        = string
  description = "The VPC the groups belong to."
}

variable "public_ports" {
  type        = map(number)
  default     = { HTTP = 80, HTTPS = 443 }
  description = "The load balancer's ports open to the internet, by name."
}

variable "app_port" {
  type        = number
  description = "The application's port."
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Load balancer: HTTP and HTTPS from anywhere"
  vpc_id      = var.vpc_id

  # One rule per public port: a `dynamic` block, as most modules write it.
  dynamic "ingress" {
    for_each = var.public_ports
    iterator = port
    content {
      description = "${port.key} from anywhere"
      from_port   = port.value
      to_port     = port.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "Application: its port from the load balancer only"
  vpc_id      = var.vpc_id

  ingress {
    description     = "From the load balancer"
    from_port       = var.app_port
    to_port         = var.app_port
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

output "alb_security_group_id" {
  value = aws_security_group.alb.id
}

output "app_security_group_id" {
  value = aws_security_group.app.id
}
