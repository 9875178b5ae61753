variable "name" {
  type        = string
  description = "Prefix for names ({environment}-plue)."
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type        = list(string)
  description = "The private subnets."
}

variable "allowed_security_group_ids" {
  type        = list(string)
  description = "Security groups of the tasks that connect to PostgreSQL (the API server and the migration task)."
}

variable "instance_class" {
  type    = string
  default = "db.t3.micro"
}

variable "allocated_storage" {
  type    = number
  default = 20
}

variable "multi_az" {
  type    = bool
  default = false
}

variable "database_name" {
  type    = string
  default = "plue"
}

variable "username" {
  type    = string
  default = "plue"
}

variable "backup_retention_period" {
  type    = number
  default = 7
}

variable "deletion_protection" {
  type    = bool
  default = false
}

variable "skip_final_snapshot" {
  type    = bool
  default = true
}

variable "secret_recovery_window_in_days" {
  type        = number
  default     = 0
  description = "Days a destroyed secret can be restored; 0 deletes it at once."
}
