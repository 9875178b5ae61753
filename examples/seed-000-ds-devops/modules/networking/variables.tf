variable "name" {
  type        = string
  description = "Prefix for names."
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's address range."
}

variable "availability_zones" {
  type        = list(string)
  description = "The zones to spread the subnets over, one public and one private subnet in each."
}

variable "public_subnet_cidrs" {
  type        = list(string)
  description = "One per zone, in the order of availability_zones."
}

variable "private_subnet_cidrs" {
  type        = list(string)
  description = "One per zone, in the order of availability_zones."
}

variable "backend_port" {
  type        = number
  description = "The port the backend containers listen on."
}
