# A root made of local modules, laid out the way most teams organise their Terraform:
#
#   main.tf               this file: providers and module calls
#   modules/network/      VPC, public and private subnets, internet gateway, NAT, routes
#   modules/security/     security groups chained load balancer -> application
#
# Objects inside a module have the module in their address (module.network.aws_vpc.this). The NAT
# gateway, its address and the private default route are the runtime layer, wherever they live:
#   provision destroy --layer runtime   # tonight: stop paying for NAT
#   provision apply                     # tomorrow: bring it back; everything else kept its id

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "provision"
    }
  }
}

variable "name" {
  type        = string
  default     = "shop"
  description = "Prefix for names and the Project tag."
}

variable "cidr" {
  type        = string
  default     = "10.20.0.0/16"
  description = "The VPC's address range."
}

variable "app_port" {
  type        = number
  default     = 8000
  description = "The port the application listens on behind the load balancer."
}

module "network" {
  source   = "./modules/network"
  name     = var.name
  cidr     = var.cidr
  az_count = 2
}

module "security" {
  source   = "./modules/security"
  name     = var.name
  vpc_id   = module.network.vpc_id
  app_port = var.app_port
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "public_subnet_ids" {
  value = module.network.public_subnet_ids
}

output "private_subnet_ids" {
  value = module.network.private_subnet_ids
}

output "app_security_group_id" {
  value = module.security.app_security_group_id
}
