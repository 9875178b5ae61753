variable "wrong_default" {
  type    = number
  default = "many"
}

variable "list" {
  type    = list(number)
  default = [1, "two"]
}
