# One unsupported resource type and one unsupported data source: each is reported once, at its
# block; the references to them (attributes, depends_on, count) are not errors of their own.
resource "fake_web_acl" "x" {
  name = "x"
}

data "fake_things" "d" {}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    acl   = fake_web_acl.x.arn
    other = fake_web_acl.x.id
    thing = data.fake_things.d.id
  }
  depends_on = [fake_web_acl.x]
}

resource "fake_subnet" "a" {
  count      = length(data.fake_things.d.ids)
  network_id = fake_network.main.id
  cidr_block = "10.0.1.0/24"
}

locals {
  acls = [for r in fake_web_acl.x.rule : r.name]
}

output "acl" {
  value      = fake_web_acl.x.arn
  depends_on = [data.fake_things.d]
}

# A reference to what is not declared at all is still an error, and says only what is true.
output "undeclared" {
  value      = [fake_gateway.nope.id, data.fake_zones.nope.names, cidr.block]
  depends_on = [fake_network.nope]
}
