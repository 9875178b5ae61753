# Plue: an API server and a web app on ECS Fargate behind one application load balancer (/api/* to
# the API, everything else to the web app), PostgreSQL 16 on RDS, the git repositories on EFS,
# credentials in Secrets Manager, logs in CloudWatch, and in production CloudWatch alarms to an SNS
# topic. Two environments, dev and production, each a state of its own with its own values:
#
#   provision --env dev apply          # reads dev.tfvars, state provision.tfstate.d/dev/
#   provision --env production apply   # reads production.tfvars
#
# Runtime layer (torn down at night, back in the morning): the NAT gateways with their addresses
# and routes, the load balancer with its listeners, rules and target groups, the services and
# task definitions, and the alarms on them. The database, the file system, the secrets, the
# repositories, the cluster, the roles and the log groups stay, with their ids:
#
#   provision --env production destroy --layer runtime
#   provision --env production apply

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }

  # The team's state: one object per environment in S3, locked in DynamoDB. With provision one
  # backend block serves both environments (env:/dev/... and env:/production/...):
  # backend "s3" {
  #   bucket         = "your-terraform-state-bucket"
  #   key            = "plue/terraform.tfstate"
  #   region         = "us-east-1"
  #   dynamodb_table = "terraform-state-lock"
  #   encrypt        = true
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "plue"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

locals {
  name = "${var.environment}-plue"
}

module "network" {
  source             = "./modules/network"
  name               = local.name
  vpc_cidr           = var.vpc_cidr
  az_count           = 2
  single_nat_gateway = var.single_nat_gateway
}

module "load_balancer" {
  source              = "./modules/load-balancer"
  name                = local.name
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  certificate_arn     = var.certificate_arn
  deletion_protection = var.alb_deletion_protection
}

module "ecs_cluster" {
  source                = "./modules/ecs-cluster"
  name                  = local.name
  vpc_id                = module.network.vpc_id
  alb_security_group_id = module.load_balancer.alb_security_group_id
  container_insights    = var.container_insights
}

module "ecr" {
  source       = "./modules/ecr"
  name         = local.name
  force_delete = var.ecr_force_delete
}

module "database" {
  source                         = "./modules/database"
  name                           = local.name
  vpc_id                         = module.network.vpc_id
  subnet_ids                     = module.network.private_subnet_ids
  allowed_security_group_ids     = [module.ecs_cluster.api_security_group_id]
  instance_class                 = var.db_instance_class
  multi_az                       = var.db_multi_az
  backup_retention_period        = var.db_backup_retention_period
  deletion_protection            = var.database_deletion_protection
  skip_final_snapshot            = var.db_skip_final_snapshot
  secret_recovery_window_in_days = var.secret_recovery_window_in_days
}

module "storage" {
  source                     = "./modules/storage"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.ecs_cluster.api_security_group_id]
}

module "api_server" {
  source = "./modules/api-server"

  name               = local.name
  environment        = var.environment
  aws_region         = var.aws_region
  cluster_id         = module.ecs_cluster.cluster_id
  subnet_ids         = module.network.private_subnet_ids
  security_group_id  = module.ecs_cluster.api_security_group_id
  target_group_arn   = module.load_balancer.api_target_group_arn
  image              = "${module.ecr.api_repository_url}:${var.image_tag}"
  cpu                = var.api_cpu
  memory             = var.api_memory
  desired_count      = var.api_desired_count
  log_retention_days = var.log_retention_days

  connection_secret_arn = module.database.connection_secret_arn
  password_secret_arn   = module.database.password_secret_arn
  file_system_id        = module.storage.file_system_id
  file_system_arn       = module.storage.file_system_arn
  access_point_id       = module.storage.access_point_id
  access_point_arn      = module.storage.access_point_arn
}

module "web_app" {
  source = "./modules/web-app"

  name               = local.name
  environment        = var.environment
  aws_region         = var.aws_region
  cluster_id         = module.ecs_cluster.cluster_id
  subnet_ids         = module.network.private_subnet_ids
  security_group_id  = module.ecs_cluster.web_security_group_id
  target_group_arn   = module.load_balancer.web_target_group_arn
  image              = "${module.ecr.web_repository_url}:${var.image_tag}"
  api_endpoint       = "${module.load_balancer.url}/api"
  cpu                = var.web_cpu
  memory             = var.web_memory
  desired_count      = var.web_desired_count
  log_retention_days = var.log_retention_days
}
