variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "certificate_arn" {
  type        = string
  default     = ""
  description = "An ACM certificate: HTTPS on 443 and HTTP redirected to it (production). Empty: HTTP only (dev)."
}

variable "deletion_protection" {
  type    = bool
  default = false
}
