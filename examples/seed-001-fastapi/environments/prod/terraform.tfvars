# Production: more CPU and memory, scaling from 1 to 2 tasks on CPU (target 70%), the load
# balancer protected from deletion, Container Insights and longer log retention.
environment         = "prod"
container_cpu       = 1024
container_memory    = 2048
desired_count       = 1
min_capacity        = 1
max_capacity        = 2
cpu_target_percent  = 70
deletion_protection = true
container_insights  = true
log_retention_days  = 30
