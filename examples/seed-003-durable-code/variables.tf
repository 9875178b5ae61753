variable "aws_region" {
  description = "AWS region for every resource."
  type        = string
  default     = "us-west-2"
}

variable "environment" {
  description = "Environment name (dev, staging, prod): part of names and the Environment tag."
  type        = string
  default     = "dev"
}

variable "project_name" {
  description = "Prefix of every name."
  type        = string
  default     = "durable-code"
}

variable "domain_name" {
  description = "The domain of the hosted zone and the certificate (delegate it to the zone's name servers)."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's address range."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "How many availability zones get a public and a private subnet."
  type        = number
  default     = 2
}

variable "backend_image_tag" {
  description = "The backend image tag in ECR that the task definition runs."
  type        = string
  default     = "latest"
}

variable "frontend_image_tag" {
  description = "The frontend image tag in ECR that the task definition runs."
  type        = string
  default     = "latest"
}

variable "backend_desired_count" {
  description = "Backend tasks (2 for high availability)."
  type        = number
  default     = 2
}

variable "frontend_desired_count" {
  description = "Frontend tasks (2 for high availability)."
  type        = number
  default     = 2
}

variable "log_level" {
  description = "The backend's LOG_LEVEL, read from Parameter Store when a task starts."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "How long the containers' logs are kept."
  type        = number
  default     = 7
}

variable "ecr_push_principals" {
  description = "IAM principals (ARNs) allowed to push images, e.g. the GitHub Actions role of PR5."
  type        = list(string)
  default     = []
}
