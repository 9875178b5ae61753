variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "alb_security_group_id" {
  type = string
}

variable "container_insights" {
  type    = bool
  default = false
}
