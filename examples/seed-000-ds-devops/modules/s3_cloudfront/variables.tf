variable "name" {
  type        = string
  description = "Prefix for the bucket name and the distribution's comment."
}

variable "price_class" {
  type    = string
  default = "PriceClass_100"
}

variable "force_destroy" {
  type        = bool
  default     = false
  description = "Delete the bucket with the files in it on destroy."
}
