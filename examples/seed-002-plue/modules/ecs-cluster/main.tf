# The Fargate cluster and the security groups of its tasks: the API server and the web app take
# traffic from the load balancer only. The database and the file system admit the API server's
# group.

resource "aws_ecs_cluster" "main" {
  name = "${var.name}-cluster"

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_security_group" "api" {
  name        = "${var.name}-api-server"
  description = "The API server tasks (and the migration task)"
  vpc_id      = var.vpc_id

  ingress {
    description     = "From the load balancer"
    from_port       = 8000
    to_port         = 8000
    protocol        = "tcp"
    security_groups = [var.alb_security_group_id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = { Name = "${var.name}-api-server" }
}

resource "aws_security_group" "web" {
  name        = "${var.name}-web-app"
  description = "The web app tasks"
  vpc_id      = var.vpc_id

  ingress {
    description     = "From the load balancer"
    from_port       = 80
    to_port         = 80
    protocol        = "tcp"
    security_groups = [var.alb_security_group_id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = { Name = "${var.name}-web-app" }
}
