variable "region" {
  type        = string
  description = "where"
}

variable "az_count" {
  type    = number
  default = 2
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "obj" {
  type = object({ name = string, size = optional(number, 1) })
  default = { name = "x" }
}
