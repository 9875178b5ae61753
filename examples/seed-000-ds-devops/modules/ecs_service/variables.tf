variable "name" {
  type        = string
  description = "Prefix for names (cluster, load balancer, log group)."
}

variable "service_name" {
  type        = string
  description = "The service and its container, e.g. backend."
}

variable "aws_region" {
  type        = string
  description = "For the awslogs log driver."
}

variable "vpc_id" {
  type = string
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Where the load balancer is."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Where the tasks run."
}

variable "alb_security_group_id" {
  type = string
}

variable "service_security_id" {
  type        = string
  description = "The security group of the tasks."
}

variable "certificate_arn" {
  type        = string
  description = "The ACM certificate of the HTTPS listener (issued)."
}

variable "image" {
  type        = string
  description = "The container image, repository URL and tag."
}

variable "container_port" {
  type = number
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

variable "health_check_path" {
  type    = string
  default = "/"
}

variable "listener_rules" {
  type = map(object({
    priority      = number
    path_patterns = list(string)
  }))
  description = "The HTTPS listener's rules that forward to this service: name => priority and paths (at most five)."
}

variable "execution_role_arn" {
  type = string
}

variable "task_role_arn" {
  type = string
}

variable "environment" {
  type        = map(string)
  default     = {}
  description = "Plain environment variables of the container."
}

variable "secrets" {
  type        = map(string)
  default     = {}
  description = "Environment variables ECS fills from Secrets Manager: name => secret ARN."
}

variable "log_retention_days" {
  type    = number
  default = 30
}
