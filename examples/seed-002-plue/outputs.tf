output "vpc_id" {
  value = module.network.vpc_id
}

output "alb_url" {
  value = module.load_balancer.url
}

output "ecs_cluster_name" {
  value = module.ecs_cluster.cluster_name
}

output "migrate_task_definition_arn" {
  value = module.api_server.migrate_task_definition_arn
}

output "ecr_api_repository_url" {
  value = module.ecr.api_repository_url
}

output "ecr_web_repository_url" {
  value = module.ecr.web_repository_url
}

output "db_endpoint" {
  value = module.database.db_endpoint
}

output "db_connection_secret_arn" {
  value = module.database.connection_secret_arn
}

output "efs_file_system_id" {
  value = module.storage.file_system_id
}

output "sns_topic_arn" {
  value = one(aws_sns_topic.alerts[*].arn)
}
