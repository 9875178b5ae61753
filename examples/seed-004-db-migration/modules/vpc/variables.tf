# The inputs of terraform-aws-modules/vpc/aws (v5) that this stack uses, with the registry
# module's names, types and defaults.

variable "name" {
  type        = string
  default     = ""
  description = "Name to be used on all the resources as identifier."
}

variable "cidr" {
  type        = string
  default     = "10.0.0.0/16"
  description = "The IPv4 CIDR block for the VPC."
}

variable "azs" {
  type        = list(string)
  default     = []
  description = "A list of availability zones names or ids in the region."
}

variable "public_subnets" {
  type        = list(string)
  default     = []
  description = "A list of public subnets inside the VPC, one per zone of azs."
}

variable "private_subnets" {
  type        = list(string)
  default     = []
  description = "A list of private subnets inside the VPC, one per zone of azs."
}

variable "database_subnets" {
  type        = list(string)
  default     = []
  description = "A list of database subnets inside the VPC, one per zone of azs."
}

variable "create_database_subnet_group" {
  type        = bool
  default     = true
  description = "Create a database subnet group of the database subnets (when there are any)."
}

variable "enable_nat_gateway" {
  type        = bool
  default     = false
  description = "Provision NAT Gateways for each of your private networks."
}

variable "single_nat_gateway" {
  type        = bool
  default     = false
  description = "Provision a single shared NAT Gateway across all of your private networks."
}

variable "enable_dns_hostnames" {
  type        = bool
  default     = true
  description = "Enable DNS hostnames in the VPC."
}

variable "enable_dns_support" {
  type        = bool
  default     = true
  description = "Enable DNS support in the VPC."
}

variable "map_public_ip_on_launch" {
  type        = bool
  default     = false
  description = "Give instances launched into the public subnets a public IP address."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "A map of tags to add to all resources."
}
