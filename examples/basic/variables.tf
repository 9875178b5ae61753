variable "region" {
  type        = string
  description = "The AWS region to build in."
  default     = "eu-west-1"
}

variable "name" {
  type        = string
  description = "Name prefix for every object."
  default     = "basic"
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's CIDR block."
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a CIDR block such as 10.20.0.0/16."
  }
}

variable "subnet_count" {
  type        = number
  description = "How many public subnets (one per AZ)."
  default     = 2

  validation {
    condition     = var.subnet_count >= 1 && var.subnet_count <= 2
    error_message = "subnet_count must be 1 or 2."
  }
}
