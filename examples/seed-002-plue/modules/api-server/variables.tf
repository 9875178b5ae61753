variable "name" {
  type        = string
  description = "Prefix for names ({environment}-plue)."
}

variable "environment" {
  type = string
}

variable "aws_region" {
  type = string
}

variable "cluster_id" {
  type = string
}

variable "subnet_ids" {
  type        = list(string)
  description = "The private subnets the tasks run in."
}

variable "security_group_id" {
  type = string
}

variable "target_group_arn" {
  type = string
}

variable "image" {
  type        = string
  description = "The API server's image (repository URL and tag); the migration task runs it too."
}

variable "cpu" {
  type    = number
  default = 256
}

variable "memory" {
  type    = number
  default = 512
}

variable "desired_count" {
  type    = number
  default = 1
}

variable "log_retention_days" {
  type    = number
  default = 7
}

variable "connection_secret_arn" {
  type = string
}

variable "password_secret_arn" {
  type = string
}

variable "file_system_id" {
  type = string
}

variable "file_system_arn" {
  type = string
}

variable "access_point_id" {
  type = string
}

variable "access_point_arn" {
  type = string
}
