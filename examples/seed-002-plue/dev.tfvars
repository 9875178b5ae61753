# Development: one NAT gateway, the smallest database in one zone, no Container Insights, short
# log retention, no alarms; everything can be deleted without ceremony.
environment                    = "dev"
single_nat_gateway             = true
db_instance_class              = "db.t3.micro"
db_multi_az                    = false
db_backup_retention_period     = 1
database_deletion_protection   = false
db_skip_final_snapshot         = true
secret_recovery_window_in_days = 0
container_insights             = false
log_retention_days             = 7
enable_alarms                  = false
ecr_force_delete               = true
