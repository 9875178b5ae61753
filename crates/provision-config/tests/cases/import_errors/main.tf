provider "fake" {
  alias  = "east"
  region = "us-east-1"
}

resource "fake_bucket" "this" {
  for_each = toset(["a", "b"])
  name     = each.key
}

# for_each, but one literal instance.
import {
  for_each = toset(["a", "b"])
  to       = fake_bucket.this["a"]
  id       = each.value
}

# each.key without for_each.
import {
  to = fake_bucket.this[each.key]
  id = "x"
}

# Not the resource's provider configuration.
import {
  to       = fake_bucket.this["b"]
  id       = "y"
  provider = fake.east
}

# An alias no block declares.
import {
  to       = fake_bucket.this["a"]
  id       = "z"
  provider = fake.west
}

# A module call's key as an expression.
import {
  for_each = toset(["a"])
  to       = module.m[each.key].fake_bucket.this
  id       = each.value
}
