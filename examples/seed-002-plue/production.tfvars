# Production: a NAT gateway per availability zone, a Multi-AZ database protected from deletion
# (with a final snapshot and 7 days of backups), Container Insights, 30 days of logs, alarms, two
# tasks of each service. The certificate and the alert address are given per deployment
# (-var certificate_arn=... -var sns_alert_email=..., or TF_VAR_*), as the team's terraform.tfvars
# did.
#
# The load balancer is not protected: the nightly teardown (destroy --layer runtime) removes it,
# and a protected load balancer would stop the teardown.
environment                    = "production"
single_nat_gateway             = false
db_instance_class              = "db.t3.small"
db_multi_az                    = true
db_backup_retention_period     = 7
database_deletion_protection   = true
db_skip_final_snapshot         = false
secret_recovery_window_in_days = 7
alb_deletion_protection        = false
container_insights             = true
log_retention_days             = 30
enable_alarms                  = true
api_desired_count              = 2
web_desired_count              = 2
