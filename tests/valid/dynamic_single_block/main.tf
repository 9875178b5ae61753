# A block allowed once, written as two `dynamic` blocks whose conditions exclude each other (as
# the ECS cluster module writes `configuration`): at most one is made, which Terraform checks
# after expanding them, and so must validate.

variable "log_group_name" {
  type    = string
  default = null
}

resource "aws_ecs_cluster" "main" {
  name = "main"

  dynamic "configuration" {
    for_each = var.log_group_name != null ? [var.log_group_name] : []
    content {
      execute_command_configuration {
        logging = "OVERRIDE"
        log_configuration {
          cloud_watch_log_group_name = configuration.value
        }
      }
    }
  }

  dynamic "configuration" {
    for_each = var.log_group_name == null ? [1] : []
    content {
      execute_command_configuration {
        logging = "DEFAULT"
      }
    }
  }
}
