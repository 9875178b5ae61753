locals {
  network = 10.0.0.0/16
  gateway = 10.0.0.1
}
