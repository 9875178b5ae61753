# A `dynamic` block inside another one's `content`: a listener that forwards to weighted target
# groups when there are any, and whose rules match on as many header conditions as given.
variable "weights" {
  type    = map(number)
  default = { blue = 80, green = 20 }
}

variable "headers" {
  type    = map(list(string))
  default = { "X-Canary" = ["yes"], "X-Team" = ["web", "api"] }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_lb_target_group" "app" {
  for_each = var.weights
  name     = "app-${each.key}"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
  port              = 80
  protocol          = "HTTP"

  dynamic "default_action" {
    for_each = length(var.weights) > 0 ? ["forward"] : []
    content {
      type = default_action.value
      forward {
        dynamic "target_group" {
          for_each = var.weights
          iterator = group
          content {
            arn    = aws_lb_target_group.app[group.key].arn
            weight = group.value
          }
        }
      }
    }
  }
}

resource "aws_lb_listener_rule" "canary" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app["green"].arn
  }

  dynamic "condition" {
    for_each = var.headers
    content {
      dynamic "http_header" {
        for_each = [condition.value]
        content {
          http_header_name = condition.key
          values           = http_header.value
        }
      }
    }
  }
}
