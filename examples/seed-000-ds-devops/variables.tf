variable "aws_region" {
  type        = string
  default     = "eu-west-3"
  description = "AWS region (Paris)."
}

variable "project_name" {
  type        = string
  default     = "ds-devops"
  description = "Prefix for every name, and the Project tag."
}

variable "environment" {
  type        = string
  default     = "dev"
  description = "dev, staging or prod."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "domain_name" {
  type        = string
  default     = "ds-devops.example.com"
  description = "The team's domain: a Route53 hosted zone; the API answers on api.<domain_name>."
}

# --- network

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "availability_zones" {
  type    = list(string)
  default = ["eu-west-3a", "eu-west-3b"]
}

variable "public_subnet_cidrs" {
  type    = list(string)
  default = ["10.0.1.0/24", "10.0.2.0/24"]
}

variable "private_subnet_cidrs" {
  type    = list(string)
  default = ["10.0.11.0/24", "10.0.12.0/24"]
}

# --- container images

variable "ecr_keep_tagged_images" {
  type        = number
  default     = 10
  description = "How many tagged images each repository keeps."
}

variable "backend_image_tag" {
  type    = string
  default = "latest"
}

# --- backend service

variable "backend_port" {
  type        = number
  default     = 8000
  description = "The port the FastAPI service (uvicorn) listens on."
}

variable "backend_cpu" {
  type    = number
  default = 512
}

variable "backend_memory" {
  type    = number
  default = 1024
}

variable "backend_desired_count" {
  type    = number
  default = 2
}

# --- database

variable "db_engine_version" {
  type    = string
  default = "14.18"
}

variable "db_instance_class" {
  type    = string
  default = "db.t3.micro"
}

variable "db_allocated_storage" {
  type    = number
  default = 20
}

variable "db_multi_az" {
  type    = bool
  default = true
}

variable "db_name" {
  type    = string
  default = "scenarios"
}

variable "db_username" {
  type    = string
  default = "ds_admin"
}

variable "db_password" {
  type        = string
  sensitive   = true
  description = "The master password: set it in terraform.tfvars (not committed) or TF_VAR_db_password."

  validation {
    condition     = length(var.db_password) >= 12
    error_message = "db_password must be at least 12 characters."
  }
}

variable "db_backup_retention_period" {
  type    = number
  default = 7
}

variable "db_deletion_protection" {
  type    = bool
  default = false
}

variable "db_skip_final_snapshot" {
  type    = bool
  default = true
}

# --- frontend

variable "cloudfront_price_class" {
  type        = string
  default     = "PriceClass_100"
  description = "PriceClass_100 serves from Europe and North America, enough for the team's users."
}
