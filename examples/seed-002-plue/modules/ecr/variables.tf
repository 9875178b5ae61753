variable "name" {
  type = string
}

variable "force_delete" {
  type        = bool
  default     = false
  description = "Delete the repositories with their images on destroy."
}
