aws_region  = "us-west-2"
environment = "dev"
domain_name = "dev.durable-code.example.com"

backend_desired_count  = 2
frontend_desired_count = 2
log_level              = "DEBUG"
log_retention_days     = 7
