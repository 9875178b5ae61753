output "alb_security_group_id" {
  value = aws_security_group.alb.id
}

output "alb_dns_name" {
  value = aws_lb.main.dns_name
}

output "alb_arn_suffix" {
  value = aws_lb.main.arn_suffix
}

# ECS refuses a target group that no listener uses yet: the services get these once the rules
# forward to them.
output "api_target_group_arn" {
  value      = aws_lb_target_group.api.arn
  depends_on = [aws_lb_listener_rule.api]
}

output "web_target_group_arn" {
  value      = aws_lb_target_group.web.arn
  depends_on = [aws_lb_listener_rule.web]
}

output "api_target_group_arn_suffix" {
  value = aws_lb_target_group.api.arn_suffix
}

output "web_target_group_arn_suffix" {
  value = aws_lb_target_group.web.arn_suffix
}

output "url" {
  value = "${var.certificate_arn != "" ? "https" : "http"}://${aws_lb.main.dns_name}"
}
