# Terraform AWS provider 6's per-resource `region` ("enhanced region support") on regional types
# and on the data sources, and `data "aws_region" { region }`. Provider 6 syntax: the local
# Terraform (provider 5.100) cannot `terraform validate` it, since `region` is no argument of
# these types in provider 5.
variable "replica_region" {
  type    = string
  default = "eu-west-1"
}

provider "aws" {
  region = "eu-west-3"
}

resource "aws_vpc" "home" {
  cidr_block = "10.10.0.0/16"
}

resource "aws_vpc" "replica" {
  region     = var.replica_region
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "replica" {
  region     = aws_vpc.replica.region
  vpc_id     = aws_vpc.replica.id
  cidr_block = "10.20.1.0/24"
}

# CloudFront's certificates live in us-east-1, without a second provider block.
resource "aws_acm_certificate" "cdn" {
  region            = "us-east-1"
  domain_name       = "example.com"
  validation_method = "DNS"
}

data "aws_availability_zones" "replica" {
  region = var.replica_region
}

data "aws_region" "replica" {
  region = var.replica_region
}

output "replica" {
  value = "${data.aws_region.replica.description}: ${aws_vpc.replica.region} (${data.aws_availability_zones.replica.names[0]})"
}
