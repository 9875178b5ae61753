# Import blocks with for_each and provider (Terraform 1.7+): accepted.
provider "fake" {
  alias  = "east"
  region = "us-east-1"
}

variable "buckets" {
  type    = map(string)
  default = { logs = "acme-logs", assets = "acme-assets" }
}

resource "fake_bucket" "this" {
  for_each = var.buckets
  provider = fake.east
  name     = each.value
}

resource "fake_bucket" "numbered" {
  count = 2
  name  = "numbered-${count.index}"
}

import {
  for_each = var.buckets
  to       = fake_bucket.this[each.key]
  id       = each.value
  provider = fake.east
}

import {
  for_each = ["n-0", "n-1"]
  to       = fake_bucket.numbered[each.key]
  id       = each.value
}
