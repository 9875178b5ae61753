# Every provider "aws" argument provision takes, with variables and locals as real roots write
# them. Nothing here is checked before a plan needs AWS.
variable "profile" {
  type    = string
  default = "deploy"
}

variable "deploy_role" {
  type    = string
  default = "arn:aws:iam::123456789012:role/deploy"
}

locals {
  account = "123456789012"
}

provider "aws" {
  region                   = "eu-west-1"
  profile                  = var.profile
  shared_config_files      = ["~/.aws/config"]
  shared_credentials_files = ["~/.aws/credentials"]
  allowed_account_ids      = [local.account]
  max_retries              = 5
  s3_use_path_style        = true

  skip_credentials_validation = true
  skip_metadata_api_check     = false
  skip_requesting_account_id  = true
  skip_region_validation      = true

  assume_role {
    role_arn     = var.deploy_role
    session_name = "ci"
    external_id  = "build-42"
    duration     = "1h"
    policy       = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "ec2:*", Resource = "*" }] })
    policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    tags         = { Pipeline = "release" }
  }

  default_tags {
    tags = { ManagedBy = "provision" }
  }

  ignore_tags {
    keys         = ["CostCenter"]
    key_prefixes = ["kubernetes.io/"]
  }

  endpoints {
    sts = "https://sts.eu-west-1.amazonaws.com"
  }
}

provider "aws" {
  alias                 = "audit"
  region                = "us-east-1"
  profile               = "audit"
  forbidden_account_ids = ["111111111111"]
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "audit" {
  provider   = aws.audit
  cidr_block = "10.1.0.0/16"
}
