variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type        = list(string)
  description = "The private subnets: one mount target in each."
}

variable "allowed_security_group_ids" {
  type        = list(string)
  description = "Security groups of the tasks that mount the file system (the API server)."
}
