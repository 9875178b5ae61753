# A type that refuses an argument on purpose (here `region` on a global type, as the aws
# provider's IAM, CloudFront and Route 53 types do) says why, not "unknown argument".
resource "fake_bucket" "logs" {
  name   = "logs"
  region = "eu-west-1"
}

# A type without the refusal reports an unknown argument as usual.
resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"
  region     = "eu-west-1"
}
