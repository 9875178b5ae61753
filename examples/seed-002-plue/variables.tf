variable "environment" {
  type        = string
  description = "dev or production; set by dev.tfvars / production.tfvars."

  validation {
    condition     = contains(["dev", "production"], var.environment)
    error_message = "environment must be dev or production."
  }
}

variable "aws_region" {
  type    = string
  default = "us-east-1"
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "single_nat_gateway" {
  type        = bool
  default     = false
  description = "One NAT gateway for both availability zones instead of one in each."
}

variable "image_tag" {
  type    = string
  default = "latest"
}

variable "certificate_arn" {
  type        = string
  default     = ""
  description = "ACM certificate for HTTPS at the load balancer (production); empty: HTTP only."
}

variable "sns_alert_email" {
  type        = string
  default     = ""
  description = "Where the alarms' notifications go (an email subscription to the topic)."
}

variable "enable_alarms" {
  type    = bool
  default = false
}

variable "container_insights" {
  type    = bool
  default = false
}

variable "log_retention_days" {
  type    = number
  default = 7
}

variable "db_instance_class" {
  type    = string
  default = "db.t3.micro"
}

variable "db_multi_az" {
  type    = bool
  default = false
}

variable "db_backup_retention_period" {
  type    = number
  default = 1
}

variable "database_deletion_protection" {
  type    = bool
  default = false
}

variable "db_skip_final_snapshot" {
  type    = bool
  default = true
}

variable "secret_recovery_window_in_days" {
  type    = number
  default = 0
}

variable "alb_deletion_protection" {
  type    = bool
  default = false
}

variable "ecr_force_delete" {
  type    = bool
  default = false
}

variable "api_cpu" {
  type    = number
  default = 256
}

variable "api_memory" {
  type    = number
  default = 512
}

variable "api_desired_count" {
  type    = number
  default = 1
}

variable "web_cpu" {
  type    = number
  default = 256
}

variable "web_memory" {
  type    = number
  default = 512
}

variable "web_desired_count" {
  type    = number
  default = 1
}
