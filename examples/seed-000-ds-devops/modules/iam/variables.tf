variable "name" {
  type        = string
  description = "Prefix for role and policy names."
}

variable "db_secret_arn" {
  type        = string
  description = "The Secrets Manager secret holding the database credentials."
}

variable "frontend_bucket_arn" {
  type        = string
  description = "The frontend bucket the backend may publish generated scenario files to."
}
