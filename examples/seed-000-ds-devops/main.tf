# DS_DevOps_project on AWS (seed 000): the scenario tool suite's FastAPI backend on ECS Fargate
# behind an HTTPS application load balancer, PostgreSQL 14 on RDS (Multi-AZ) with its credentials
# in Secrets Manager, the React frontend as static files in S3 served by CloudFront through an
# origin access identity, and ECR repositories for both images. eu-west-3, two zones.
#
# Layers (see docs/layers.md): the NAT gateway and its address, the private default route, the
# load balancer with its listeners, rules and target group, and the ECS service with its task
# definition are the runtime layer; everything else (network, security groups, repositories,
# roles, database, secret, bucket, distribution, certificate) is the base layer.
#   provision destroy --layer runtime   # tonight
#   provision apply                     # tomorrow morning: base objects kept their ids

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # The team keeps its state in S3; for a local run against the emulator the state stays in
  # provision.tfstate next to this file. See README.md.
  # backend "s3" {
  #   bucket         = "ds-devops-terraform-state"
  #   key            = "ds-devops/terraform.tfstate"
  #   region         = "eu-west-3"
  #   dynamodb_table = "ds-devops-terraform-locks"
  #   encrypt        = true
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project_name
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

locals {
  name = "${var.project_name}-${var.environment}"
}

# --- networking: VPC, subnets, internet and NAT gateways, routes, security groups ------------------

module "networking" {
  source = "./modules/networking"

  name                 = local.name
  vpc_cidr             = var.vpc_cidr
  availability_zones   = var.availability_zones
  public_subnet_cidrs  = var.public_subnet_cidrs
  private_subnet_cidrs = var.private_subnet_cidrs
  backend_port         = var.backend_port
}

# --- container images -----------------------------------------------------------------------------

module "ecr" {
  source = "./modules/ecr"

  name               = local.name
  repositories       = ["frontend", "backend"]
  keep_tagged_images = var.ecr_keep_tagged_images
  pull_principals    = [module.iam.ecs_task_execution_role_arn]
  force_delete       = var.environment != "prod"
}

# --- IAM: the task execution role (pulls images, writes logs, reads the DB secret) and the task role

module "iam" {
  source = "./modules/iam"

  name                = local.name
  db_secret_arn       = module.rds.db_secret_arn
  frontend_bucket_arn = module.s3_cloudfront.bucket_arn
}

# --- database: PostgreSQL 14 Multi-AZ ---------------------------------------------------------------

module "rds" {
  source = "./modules/rds"

  name                    = local.name
  private_subnet_ids      = module.networking.private_subnet_ids
  db_security_group_id    = module.networking.db_security_group_id
  engine_version          = var.db_engine_version
  instance_class          = var.db_instance_class
  allocated_storage       = var.db_allocated_storage
  multi_az                = var.db_multi_az
  db_name                 = var.db_name
  db_username             = var.db_username
  db_password             = var.db_password
  backup_retention_period = var.db_backup_retention_period
  deletion_protection     = var.db_deletion_protection
  skip_final_snapshot     = var.db_skip_final_snapshot
}

# --- HTTPS: the API's certificate, validated through the team's hosted zone ---------------------------

resource "aws_route53_zone" "main" {
  name = var.domain_name
}

resource "aws_acm_certificate" "api" {
  domain_name       = "api.${var.domain_name}"
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "api_validation" {
  for_each = {
    for dvo in aws_acm_certificate.api.domain_validation_options : dvo.domain_name => {
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }
  }

  allow_overwrite = true
  zone_id         = aws_route53_zone.main.zone_id
  name            = each.value.name
  type            = each.value.type
  ttl             = 60
  records         = [each.value.record]
}

resource "aws_acm_certificate_validation" "api" {
  certificate_arn         = aws_acm_certificate.api.arn
  validation_record_fqdns = [for r in aws_route53_record.api_validation : r.fqdn]
}

# --- the backend: ECS Fargate behind the load balancer -----------------------------------------------

module "backend" {
  source = "./modules/ecs_service"

  name                  = local.name
  service_name          = "backend"
  aws_region            = var.aws_region
  vpc_id                = module.networking.vpc_id
  public_subnet_ids     = module.networking.public_subnet_ids
  private_subnet_ids    = module.networking.private_subnet_ids
  alb_security_group_id = module.networking.frontend_security_group_id
  service_security_id   = module.networking.backend_security_group_id
  certificate_arn       = aws_acm_certificate_validation.api.certificate_arn

  image             = "${module.ecr.repository_urls["backend"]}:${var.backend_image_tag}"
  container_port    = var.backend_port
  cpu               = var.backend_cpu
  memory            = var.backend_memory
  desired_count     = var.backend_desired_count
  health_check_path = "/health"

  listener_rules = {
    api  = { priority = 10, path_patterns = ["/api/*"] }
    docs = { priority = 20, path_patterns = ["/docs", "/docs/*", "/openapi.json", "/health"] }
  }

  execution_role_arn = module.iam.ecs_task_execution_role_arn
  task_role_arn      = module.iam.ecs_task_role_arn

  environment = {
    ENVIRONMENT  = var.environment
    DB_HOST      = module.rds.db_address
    DB_PORT      = tostring(module.rds.db_port)
    DB_NAME      = var.db_name
    CORS_ORIGINS = "https://${module.s3_cloudfront.cloudfront_domain_name}"
  }

  # Injected by ECS from Secrets Manager at task start: never in the task definition itself.
  secrets = {
    DB_CREDENTIALS = module.rds.db_secret_arn
  }
}

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "api"
  type    = "A"

  alias {
    name                   = module.backend.alb_dns_name
    zone_id                = module.backend.alb_zone_id
    evaluate_target_health = true
  }
}

# --- the frontend: React build in S3, served by CloudFront ---------------------------------------------

module "s3_cloudfront" {
  source = "./modules/s3_cloudfront"

  name          = local.name
  price_class   = var.cloudfront_price_class
  force_destroy = var.environment != "prod"
}
