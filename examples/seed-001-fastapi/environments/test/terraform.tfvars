# Test (QA): the same size as dev, isolated from it.
environment      = "test"
container_cpu    = 256
container_memory = 512
desired_count    = 1
min_capacity     = 1
max_capacity     = 1
ecr_force_delete = true
