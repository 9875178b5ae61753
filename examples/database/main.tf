# The data of a small team's stack: PostgreSQL 16 on RDS with its own parameter group and a
# generated password kept in Secrets Manager, an Aurora PostgreSQL cluster, a DynamoDB table and
# an EFS file system mounted in both zones.
#
# Everything here is in the base layer: `provision destroy --layer runtime` never touches it.
# The database is protected: to delete it, set deletion_protection = false and apply first; the
# destroy then takes the final snapshot named below (skip_final_snapshot is read from the
# configuration as it is when you destroy, not from the last apply).

provider "aws" {
  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "provision"
    }
  }
}

variable "name" {
  type    = string
  default = "ledger"
}

variable "instance_class" {
  type    = string
  default = "db.t3.micro"
}

variable "deletion_protection" {
  type    = bool
  default = true
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.30.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = var.name }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index + 10)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "${var.name}-private-${count.index}" }
}

resource "aws_security_group" "db" {
  name_prefix = "${var.name}-db-"
  description = "PostgreSQL from inside the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_security_group" "efs" {
  name_prefix = "${var.name}-efs-"
  description = "NFS from inside the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 2049
    to_port     = 2049
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

# --- credentials

resource "random_password" "db" {
  length           = 24
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

resource "aws_secretsmanager_secret" "db" {
  name_prefix             = "${var.name}/db-"
  description             = "PostgreSQL master credentials"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    username = "ledger"
    password = random_password.db.result
    host     = aws_db_instance.main.address
    port     = aws_db_instance.main.port
  })
}

# --- PostgreSQL 16 on RDS

resource "aws_db_subnet_group" "main" {
  name       = var.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "postgres16" {
  name   = "${var.name}-postgres16"
  family = "postgres16"

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }
}

resource "aws_db_instance" "main" {
  identifier                = var.name
  engine                    = "postgres"
  engine_version            = "16.3"
  instance_class            = var.instance_class
  allocated_storage         = 20
  max_allocated_storage     = 100
  storage_encrypted         = true
  db_name                   = "ledger"
  username                  = "ledger"
  password                  = random_password.db.result
  db_subnet_group_name      = aws_db_subnet_group.main.name
  vpc_security_group_ids    = [aws_security_group.db.id]
  parameter_group_name      = aws_db_parameter_group.postgres16.name
  backup_retention_period   = 7
  multi_az                  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"
  apply_immediately         = true
}

# --- Aurora PostgreSQL

resource "aws_rds_cluster" "analytics" {
  cluster_identifier          = "${var.name}-analytics"
  engine                      = "aurora-postgresql"
  engine_version              = "16.2"
  database_name               = "analytics"
  master_username             = "analytics"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.main.name
  vpc_security_group_ids      = [aws_security_group.db.id]
  storage_encrypted           = true
  skip_final_snapshot         = true

  serverlessv2_scaling_configuration {
    min_capacity = 0.5
    max_capacity = 2
  }
}

resource "aws_rds_cluster_instance" "analytics" {
  identifier         = "${var.name}-analytics-1"
  cluster_identifier = aws_rds_cluster.analytics.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.analytics.engine
  engine_version     = aws_rds_cluster.analytics.engine_version
}

# --- DynamoDB

resource "aws_dynamodb_table" "events" {
  name         = "${var.name}-events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "account"
  range_key    = "at"

  attribute {
    name = "account"
    type = "S"
  }

  attribute {
    name = "at"
    type = "N"
  }

  attribute {
    name = "kind"
    type = "S"
  }

  global_secondary_index {
    name            = "by-kind"
    hash_key        = "kind"
    range_key       = "at"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expires"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

# --- EFS

resource "aws_efs_file_system" "repos" {
  creation_token = "${var.name}-repos"
  encrypted      = true

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }
}

resource "aws_efs_mount_target" "repos" {
  count           = 2
  file_system_id  = aws_efs_file_system.repos.id
  subnet_id       = aws_subnet.private[count.index].id
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_access_point" "repos" {
  file_system_id = aws_efs_file_system.repos.id

  posix_user {
    uid = 1000
    gid = 1000
  }

  root_directory {
    path = "/repos"
    creation_info {
      owner_uid   = 1000
      owner_gid   = 1000
      permissions = "0755"
    }
  }
}

output "db_endpoint" {
  value = aws_db_instance.main.endpoint
}

output "secret_arn" {
  value = aws_secretsmanager_secret.db.arn
}
