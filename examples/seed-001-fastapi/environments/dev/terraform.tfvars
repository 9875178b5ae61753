# Development: minimal resources, one task.
environment      = "dev"
container_cpu    = 256
container_memory = 512
desired_count    = 1
min_capacity     = 1
max_capacity     = 1
ecr_force_delete = true
