output "vpc_id" {
  value = module.networking.vpc_id
}

output "alb_dns_name" {
  value       = module.backend.alb_dns_name
  description = "The load balancer; api.<domain_name> points at it."
}

output "api_url" {
  value = "https://api.${var.domain_name}"
}

output "cloudfront_url" {
  value       = "https://${module.s3_cloudfront.cloudfront_domain_name}"
  description = "Where the React frontend is served."
}

output "frontend_bucket" {
  value       = module.s3_cloudfront.bucket_name
  description = "Upload the React build here (aws s3 sync build/ s3://<bucket>/)."
}

output "cloudfront_distribution_id" {
  value = module.s3_cloudfront.distribution_id
}

output "ecr_repository_urls" {
  value = module.ecr.repository_urls
}

output "ecs_cluster_name" {
  value = module.backend.cluster_name
}

output "db_endpoint" {
  value = module.rds.db_endpoint
}

output "db_secret_arn" {
  value       = module.rds.db_secret_arn
  description = "The Secrets Manager secret with the database credentials."
}

output "name_servers" {
  value       = aws_route53_zone.main.name_servers
  description = "Delegate domain_name to these."
}
