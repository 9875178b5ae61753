variable "name" {
  type = string
}

variable "aws_region" {
  type = string
}
