variable "name" {
  type        = string
  description = "Prefix for names (the application and the environment)."
}

variable "cidr" {
  type        = string
  default     = "10.0.0.0/16"
  description = "The VPC's address range."
}

variable "az_count" {
  type        = number
  default     = 3
  description = "How many availability zones to spread the subnets over."
}
