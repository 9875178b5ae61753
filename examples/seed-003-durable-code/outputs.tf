output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.main.id
}

output "ecr_backend_repository_url" {
  description = "Push backend images here."
  value       = aws_ecr_repository.backend.repository_url
}

output "ecr_frontend_repository_url" {
  description = "Push frontend images here."
  value       = aws_ecr_repository.frontend.repository_url
}

output "route53_zone_id" {
  description = "The hosted zone."
  value       = aws_route53_zone.main.zone_id
}

output "route53_name_servers" {
  description = "Delegate the domain to these."
  value       = aws_route53_zone.main.name_servers
}

output "certificate_arn" {
  description = "The validated certificate."
  value       = aws_acm_certificate_validation.main.certificate_arn
}

output "ecs_cluster_name" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.main.name
}

output "alb_dns_name" {
  description = "The load balancer (gone overnight)."
  value       = aws_lb.main.dns_name
}

output "app_url" {
  description = "The application."
  value       = "https://${var.domain_name}"
}
