# PostgreSQL 14 on RDS, Multi-AZ, in the private subnets, with its own postgres14 parameter group.
# The credentials are kept in Secrets Manager for the backend (injected into its containers by
# ECS); the password itself comes from terraform.tfvars.

resource "aws_db_subnet_group" "main" {
  name        = "${var.name}-db-subnets"
  description = "Private subnets of ${var.name}"
  subnet_ids  = var.private_subnet_ids

  tags = {
    Name = "${var.name}-db-subnets"
  }
}

resource "aws_db_parameter_group" "postgres14" {
  name        = "${var.name}-postgres14"
  family      = "postgres14"
  description = "PostgreSQL 14 settings of ${var.name}"

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }
}

resource "aws_db_instance" "main" {
  identifier     = "${var.name}-db"
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.allocated_storage * 5
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = var.db_name
  username = var.db_username
  password = var.db_password
  port     = 5432

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [var.db_security_group_id]
  parameter_group_name   = aws_db_parameter_group.postgres14.name
  publicly_accessible    = false

  backup_retention_period   = var.backup_retention_period
  backup_window             = "02:00-03:00"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${var.name}-db-final"
  apply_immediately         = true

  tags = {
    Name = "${var.name}-db"
  }
}

resource "aws_secretsmanager_secret" "db" {
  name_prefix             = "${var.name}/db-credentials-"
  description             = "PostgreSQL credentials of ${var.name}"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_db_instance.main.address
    port     = aws_db_instance.main.port
    dbname   = var.db_name
    username = var.db_username
    password = var.db_password
  })
}
