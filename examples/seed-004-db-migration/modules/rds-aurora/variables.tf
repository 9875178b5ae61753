# The inputs of terraform-aws-modules/rds-aurora/aws that this stack passes, with the registry
# module's names.

variable "name" {
  type        = string
  description = "Name used across resources created."
}

variable "engine" {
  type        = string
  default     = "aurora-postgresql"
  description = "The name of the database engine to be used for this DB cluster."
}

variable "engine_version" {
  type        = string
  default     = null
  description = "The database engine version."
}

variable "family" {
  type        = string
  default     = null
  description = "The family of the cluster parameter group (used with create_db_cluster_parameter_group)."
}

variable "major_engine_version" {
  type        = string
  default     = null
  description = "Accepted as the registry module does; it only uses it for MySQL option groups, so it has no effect here."
}

variable "create_db_cluster_parameter_group" {
  type        = bool
  default     = false
  description = "Create a cluster parameter group of the given family."
}

variable "db_cluster_parameter_group_parameters" {
  type = list(object({
    name         = string
    value        = string
    apply_method = optional(string, "immediate")
  }))
  default     = []
  description = "Parameters of the created cluster parameter group."
}

variable "database_name" {
  type        = string
  default     = null
  description = "Name for an automatically created database on cluster creation."
}

variable "master_username" {
  type        = string
  default     = "root"
  description = "Username for the master DB user."
}

variable "master_password" {
  type        = string
  default     = null
  sensitive   = true
  description = "Password for the master DB user (with manage_master_user_password = false)."
}

variable "manage_master_user_password" {
  type        = bool
  default     = false
  description = "Let RDS manage the master password in Secrets Manager. The registry module's v8 defaults to true, which would ignore master_password; this stack passes its own password, so the stand-in defaults to false."
}

variable "instances" {
  type = map(object({
    instance_class      = string
    publicly_accessible = optional(bool, false)
    promotion_tier      = optional(number)
  }))
  default     = {}
  description = "The cluster's instances: key => settings. The first to be created is the writer."
}

variable "vpc_id" {
  type        = string
  description = "ID of the VPC where to create the security group."
}

variable "db_subnet_group_name" {
  type        = string
  description = "The name of an existing DB subnet group."
}

variable "security_group_ingress_rules" {
  type = map(object({
    from_port       = number
    to_port         = number
    ip_protocol     = optional(string, "tcp")
    security_groups = optional(list(string), [])
    cidr_ipv4       = optional(string)
    description     = optional(string)
  }))
  default     = {}
  description = "Ingress rules of the cluster's security group: from other security groups and/or a CIDR."
}

variable "vpc_security_group_ids" {
  type        = list(string)
  default     = []
  description = "Additional security groups of the cluster."
}

variable "port" {
  type    = number
  default = 5432
}

variable "backup_retention_period" {
  type    = number
  default = 7
}

variable "preferred_backup_window" {
  type    = string
  default = "02:00-03:00"
}

variable "preferred_maintenance_window" {
  type    = string
  default = "sun:05:00-sun:06:00"
}

variable "storage_encrypted" {
  type    = bool
  default = true
}

variable "deletion_protection" {
  type    = bool
  default = false
}

variable "skip_final_snapshot" {
  type    = bool
  default = false
}

variable "final_snapshot_identifier" {
  type        = string
  default     = null
  description = "The final snapshot's name; <name>-final when unset."
}

variable "apply_immediately" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "enabled_cloudwatch_logs_exports" {
  description = "The log types the cluster exports to CloudWatch Logs (`postgresql` for Aurora PostgreSQL)."
  type        = list(string)
  default     = []
}
