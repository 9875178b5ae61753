variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's range: the blue/green test listener is reachable from inside only."
}

variable "container_port" {
  type    = number
  default = 8000
}
