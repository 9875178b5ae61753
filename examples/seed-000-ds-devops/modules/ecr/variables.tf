variable "name" {
  type        = string
  description = "Prefix for repository names."
}

variable "repositories" {
  type        = list(string)
  description = "One repository per image, named <name>-<repository>."
}

variable "keep_tagged_images" {
  type        = number
  default     = 10
  description = "How many tagged images each repository keeps; untagged ones go after a week."
}

variable "pull_principals" {
  type        = list(string)
  description = "IAM role ARNs allowed to pull (the ECS task execution role)."
}

variable "force_delete" {
  type        = bool
  default     = false
  description = "Delete a repository that still holds images on destroy."
}
