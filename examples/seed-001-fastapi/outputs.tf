output "environment" {
  value = local.environment
}

output "alb_dns_name" {
  value = module.ecs.alb_dns_name
}

output "ecr_repository_url" {
  value = module.ecr.repository_url
}

output "ecs_cluster_name" {
  value = module.ecs.cluster_name
}

output "ecs_service_name" {
  value = module.ecs.service_name
}

output "task_definition_family" {
  value = module.ecs.task_definition_family
}

output "blue_target_group_name" {
  value = module.ecs.blue_target_group_name
}

output "green_target_group_name" {
  value = module.ecs.green_target_group_name
}
