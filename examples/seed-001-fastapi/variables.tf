variable "environment" {
  type        = string
  description = "The environment (dev, test or prod), used when no --env / workspace is selected."

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be dev, test or prod."
  }
}

variable "aws_region" {
  type        = string
  default     = "us-east-1"
  description = "The region everything is created in."
}

variable "app_name" {
  type        = string
  default     = "fastapi-bootstrap"
  description = "The application's name: the first part of every name."
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "az_count" {
  type        = number
  default     = 3
  description = "Availability zones with a public and a private subnet each."
}

variable "container_port" {
  type    = number
  default = 8000
}

variable "image_tag" {
  type        = string
  default     = "latest"
  description = "The image tag the first task definition runs; CI deploys new revisions itself."
}

variable "container_cpu" {
  type        = number
  description = "Task CPU units (256 = 0.25 vCPU)."
}

variable "container_memory" {
  type        = number
  description = "Task memory in MiB."
}

variable "desired_count" {
  type    = number
  default = 1
}

variable "min_capacity" {
  type    = number
  default = 1
}

variable "max_capacity" {
  type        = number
  default     = 1
  description = "Above min_capacity, the service scales on CPU between the two."
}

variable "cpu_target_percent" {
  type    = number
  default = 70
}

variable "deletion_protection" {
  type        = bool
  default     = false
  description = "Protect the load balancer from deletion (prod)."
}

variable "container_insights" {
  type    = bool
  default = false
}

variable "log_retention_days" {
  type    = number
  default = 7
}

variable "ecr_force_delete" {
  type        = bool
  default     = false
  description = "Delete the repository with its images on destroy."
}
