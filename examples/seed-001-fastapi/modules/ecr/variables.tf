variable "name" {
  type = string
}

variable "keep_images" {
  type        = number
  default     = 10
  description = "How many of the newest images the lifecycle policy keeps."
}

variable "force_delete" {
  type    = bool
  default = false
}
