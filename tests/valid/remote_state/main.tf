# Another root's outputs through `terraform_remote_state`, from S3 and from a local file, with no
# `required_providers` entry for it (the builtin provider, as in Terraform). Validate reads
# neither state, so neither has to exist: every output is unknown until a plan reads them.

data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = "acme-terraform-state"
    key    = "network/terraform.tfstate"
    region = "eu-west-3"
  }
}

data "terraform_remote_state" "base" {
  backend   = "local"
  workspace = terraform.workspace
  config = {
    path = "../base/provision.tfstate"
  }
  defaults = {
    zone = "eu-west-3a"
  }
}

resource "aws_subnet" "app" {
  vpc_id            = data.terraform_remote_state.network.outputs.vpc_id
  cidr_block        = "10.0.8.0/24"
  availability_zone = data.terraform_remote_state.base.outputs.zone
}
