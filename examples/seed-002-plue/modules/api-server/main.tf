# The API server: its roles, its log groups, its task definition (with the git repositories on
# EFS mounted at /repositories), the service behind the load balancer's /api/* rule, and the
# database migration task definition, registered here and run on demand (`aws ecs run-task`).
# The task definitions and the service are the runtime layer; roles and log groups stay.

locals {
  service = "plue-api-server"

  # DATABASE_* from the connection secret, the password from the secret RDS manages.
  db_secrets = [
    { name = "DATABASE_HOST", valueFrom = "${var.connection_secret_arn}:host::" },
    { name = "DATABASE_PORT", valueFrom = "${var.connection_secret_arn}:port::" },
    { name = "DATABASE_NAME", valueFrom = "${var.connection_secret_arn}:dbname::" },
    { name = "DATABASE_USER", valueFrom = "${var.connection_secret_arn}:username::" },
    { name = "DATABASE_PASSWORD", valueFrom = "${var.password_secret_arn}:password::" },
  ]
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# --- roles: execution (pull, logs, secrets) separate from the task's own

resource "aws_iam_role" "execution" {
  name               = "${var.name}-api-server-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    sid       = "DatabaseSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.connection_secret_arn, var.password_secret_arn]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "database-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-api-server-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "Repositories"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [var.file_system_arn]

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [var.access_point_arn]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "repositories"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# --- logs

resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/${var.environment}/plue-api-server"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "migrate" {
  name              = "/ecs/${var.environment}/plue-db-migrate"
  retention_in_days = var.log_retention_days
}

# --- the API server

resource "aws_ecs_task_definition" "api" {
  family                   = "${var.name}-api-server"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode([{
    name      = "api-server"
    image     = var.image
    essential = true
    command   = ["server"]
    portMappings = [{
      containerPort = 8000
      protocol      = "tcp"
    }]
    environment = [
      { name = "PORT", value = "8000" },
      { name = "ENVIRONMENT", value = var.environment },
      { name = "REPOSITORIES_PATH", value = "/repositories" },
    ]
    secrets = local.db_secrets
    mountPoints = [{
      sourceVolume  = "repositories"
      containerPath = "/repositories"
      readOnly      = false
    }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.api.name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "api"
      }
    }
  }])

  volume {
    name = "repositories"

    efs_volume_configuration {
      file_system_id     = var.file_system_id
      transit_encryption = "ENABLED"

      authorization_config {
        access_point_id = var.access_point_id
        iam             = "ENABLED"
      }
    }
  }
}

resource "aws_ecs_service" "api" {
  name            = local.service
  cluster         = var.cluster_id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "api-server"
    container_port   = 8000
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The policies must outlive the draining tasks.
  depends_on = [
    aws_iam_role_policy_attachment.execution,
    aws_iam_role_policy.execution_secrets,
    aws_iam_role_policy.task,
  ]
}

# --- the migration task: registered, run on demand

resource "aws_ecs_task_definition" "migrate" {
  family                   = "${var.name}-db-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode([{
    name      = "db-migrate"
    image     = var.image
    essential = true
    command   = ["migrate"]
    environment = [
      { name = "ENVIRONMENT", value = var.environment },
    ]
    secrets = local.db_secrets
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.migrate.name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "migrate"
      }
    }
  }])
}
