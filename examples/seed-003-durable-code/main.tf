# durable-code's AWS stack as ONE configuration. The team split it into two roots
# (infra/terraform-base and infra/terraform-runtime, PR4.5) so the costly part could be destroyed
# every night without waiting half an hour for a certificate again. With provision the split is
# the layer of each resource (docs/layers.md), and one state holds both:
#
#   base    (kept)     networking.tf: VPC, subnets, internet gateway, route tables, security groups
#                      ecr.tf:        repositories (scan on push, lifecycle and repository policies)
#                      route53.tf:    the hosted zone and the A record of the load balancer
#                      acm.tf:        the certificate and its DNS validation
#                      ecs.tf:        the cluster, log groups, the Parameter Store value; iam.tf
#   runtime (nightly)  networking.tf: the NAT gateway, its Elastic IP, the private default route
#                      alb.tf:        the load balancer, its target groups, listeners and rule
#                      ecs.tf:        the task definitions and the services
#
#   provision apply   -var-file=environments/dev.tfvars                # once, and every morning
#   provision destroy -var-file=environments/dev.tfvars --layer runtime  # every evening
#
# See README.md.

terraform {
  required_version = ">= 1.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }

  # The team's remote state. Left out here so the example runs against a local state; for a real
  # deployment uncomment it and run `provision state bootstrap` once (see README.md).
  # backend "s3" {
  #   bucket = "durable-code-terraform-state"
  #   key    = "infrastructure/terraform.tfstate"
  #   region = "us-west-2"
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "durable-code-test"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_region" "current" {}

locals {
  name_prefix = "${var.project_name}-${var.environment}"
  azs         = slice(data.aws_availability_zones.available.names, 0, var.az_count)
}
