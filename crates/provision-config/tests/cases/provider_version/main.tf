# Roots written for Terraform 0.12 put the provider's version constraint in the provider block.
# Terraform 1.x still accepts it with a deprecation warning; so does provision (the constraint
# means nothing to it: it calls AWS itself).
provider "fake" {
  version = "~> 3.0"
}

provider "fake" {
  alias   = "east"
  version = ">= 2.0"
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "fake_network" "east" {
  provider   = fake.east
  cidr_block = "10.1.0.0/16"
}
