# PostgreSQL 16 on RDS in the private subnets, encrypted at rest. RDS generates the master password
# and keeps it in Secrets Manager (it is in no state file); the connection details are a second
# secret the services read. Everything here is the base layer: it survives the nightly teardown.

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL from the API server and the migration task"
  vpc_id      = var.vpc_id

  ingress {
    description     = "PostgreSQL"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = var.allowed_security_group_ids
  }

  tags = { Name = "${var.name}-db" }
}

resource "aws_db_subnet_group" "main" {
  name       = "${var.name}-db"
  subnet_ids = var.subnet_ids
  tags       = { Name = "${var.name}-db" }
}

resource "aws_db_parameter_group" "postgres16" {
  name   = "${var.name}-postgres16"
  family = "postgres16"

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

resource "aws_db_instance" "main" {
  identifier     = "${var.name}-db"
  engine         = "postgres"
  engine_version = "16.3"
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.allocated_storage * 5
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name                     = var.database_name
  username                    = var.username
  manage_master_user_password = true

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.postgres16.name
  multi_az               = var.multi_az
  publicly_accessible    = false

  backup_retention_period   = var.backup_retention_period
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${var.name}-db-final"
  copy_tags_to_snapshot     = true
  apply_immediately         = true

  # The team's "RDS PostgreSQL logs" in CloudWatch (/aws/rds/instance/{id}/postgresql).
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
}

# {environment}-plue-db-connection: everything a service needs to connect, the password excepted
# (the services read it from the secret RDS manages, whose ARN is here too).
resource "aws_secretsmanager_secret" "connection" {
  name                    = "${var.name}-db-connection"
  description             = "Connection details of the Plue database"
  recovery_window_in_days = var.secret_recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "connection" {
  secret_id = aws_secretsmanager_secret.connection.id
  secret_string = jsonencode({
    engine              = "postgres"
    host                = aws_db_instance.main.address
    port                = aws_db_instance.main.port
    dbname              = var.database_name
    username            = var.username
    password_secret_arn = aws_db_instance.main.master_user_secret[0].secret_arn
  })
}
