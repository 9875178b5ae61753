variable "name" {
  type        = string
  description = "Prefix for names ({environment}-plue)."
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "az_count" {
  type    = number
  default = 2
}

variable "single_nat_gateway" {
  type        = bool
  default     = false
  description = "One NAT gateway for every private subnet (dev: saves ~$45/month) instead of one per availability zone."
}
