# FastAPI Bootstrap: the application on ECS Fargate behind an application load balancer, in a VPC
# across three availability zones, with its image registry and roles. One configuration for every
# environment; an environment is a state of its own and a variable file:
#
#   provision --env dev  -var-file=environments/dev/terraform.tfvars  apply
#   provision --env prod -var-file=environments/prod/terraform.tfvars apply
#
# `--env NAME` selects the environment's own state (provision.tfstate.d/NAME/, or env:/NAME/ in
# S3) and sets `terraform.workspace`, which every name below carries, so dev, test and prod live
# side by side in one account.
#
# The NAT gateway, the load balancer with its listeners and target groups, the service, its task
# definition and its scaling are the runtime layer:
#   provision --env dev -var-file=environments/dev/terraform.tfvars destroy --layer runtime
#   provision --env dev -var-file=environments/dev/terraform.tfvars apply

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }

  # The team keeps its state in S3 with a DynamoDB lock table; `provision state bootstrap` makes
  # both. Left out here so the example runs against the emulator with a local state:
  # backend "s3" {
  #   bucket         = "fastapi-bootstrap-terraform-state"
  #   key            = "fastapi-bootstrap/terraform.tfstate"
  #   region         = "us-east-1"
  #   dynamodb_table = "fastapi-bootstrap-terraform-locks"
  #   encrypt        = true
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.app_name
      Environment = local.environment
      ManagedBy   = "terraform"
    }
  }
}

locals {
  # `--env NAME` (a Terraform workspace) names the environment; without it, the variable file's.
  environment = terraform.workspace == "default" ? var.environment : terraform.workspace
  name        = "${var.app_name}-${local.environment}"
}

module "vpc" {
  source   = "./modules/vpc"
  name     = local.name
  cidr     = var.vpc_cidr
  az_count = var.az_count
}

module "security" {
  source         = "./modules/security"
  name           = local.name
  vpc_id         = module.vpc.vpc_id
  vpc_cidr       = var.vpc_cidr
  container_port = var.container_port
}

module "iam" {
  source     = "./modules/iam"
  name       = local.name
  aws_region = var.aws_region
}

module "ecr" {
  source       = "./modules/ecr"
  name         = local.name
  keep_images  = 10
  force_delete = var.ecr_force_delete
}

module "ecs" {
  source = "./modules/ecs"

  name        = local.name
  environment = local.environment
  aws_region  = var.aws_region

  vpc_id                = module.vpc.vpc_id
  public_subnet_ids     = module.vpc.public_subnet_ids
  private_subnet_ids    = module.vpc.private_subnet_ids
  alb_security_group_id = module.security.alb_security_group_id
  ecs_security_group_id = module.security.ecs_security_group_id
  execution_role_arn    = module.iam.task_execution_role_arn
  task_role_arn         = module.iam.task_role_arn

  image            = "${module.ecr.repository_url}:${var.image_tag}"
  container_port   = var.container_port
  container_cpu    = var.container_cpu
  container_memory = var.container_memory

  desired_count       = var.desired_count
  min_capacity        = var.min_capacity
  max_capacity        = var.max_capacity
  cpu_target_percent  = var.cpu_target_percent
  deletion_protection = var.deletion_protection
  container_insights  = var.container_insights
  log_retention_days  = var.log_retention_days
}
