# A registry module that `terraform init` downloaded: provision reads it from .terraform/modules.
module "vpc" {
  source  = "example/vpc/fake"
  version = "1.2.0"
  cidr    = "10.0.0.0/16"
}

output "network_id" {
  value = module.vpc.network_id
}
