variable "name" {
  type        = string
  description = "Prefix for names; the instance is <name>-db."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "The private subnets, in at least two zones (Multi-AZ)."
}

variable "db_security_group_id" {
  type = string
}

variable "engine_version" {
  type    = string
  default = "14.18"
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
  default = true
}

variable "db_name" {
  type = string
}

variable "db_username" {
  type = string
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "backup_retention_period" {
  type    = number
  default = 7
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "skip_final_snapshot" {
  type    = bool
  default = false
}
