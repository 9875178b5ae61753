provider "aws" {
  region = "eu-west-1"
}

data "aws_iam_policy_document" "assume_ecs" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "exec" {
  name               = "app-exec"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs.json
  description        = "runs the app"
  tags               = { Team = "core" }
}

resource "aws_iam_role" "task" {
  name_prefix = "app-task-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
  max_session_duration = 7200
}

resource "aws_iam_policy" "read" {
  name        = "app-read"
  description = "read the bucket"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:ListBucket"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "exec_read" {
  role       = aws_iam_role.exec.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_role_policy" "task_logs" {
  name = "logs"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "logs:PutLogEvents", Resource = aws_cloudwatch_log_group.app.arn }]
  })
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/app"
  retention_in_days = 30
  tags              = { Team = "core" }
}

resource "aws_cloudwatch_log_group" "api" {
  name = "/ecs/api"
}

resource "aws_ecr_repository" "app" {
  name                 = "app/backend"
  image_tag_mutability = "MUTABLE"
  image_scanning_configuration {
    scan_on_push = false
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep 10"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 10 }
      action       = { type = "expire" }
    }]
  })
}

resource "aws_ecr_repository_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "pull"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.exec.arn }
      Action    = ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    }]
  })
}

resource "aws_iam_instance_profile" "exec" {
  name = "app-exec"
  role = aws_iam_role.exec.name
}

resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

data "aws_iam_role" "exec" {
  name = aws_iam_role.exec.name
}

data "aws_iam_policy" "read" {
  arn = aws_iam_policy.read.arn
}

data "aws_ecr_repository" "app" {
  name = aws_ecr_repository.app.name
}

output "exec_trust" {
  value = data.aws_iam_role.exec.assume_role_policy
}

output "read_policy" {
  value = data.aws_iam_policy.read.policy
}

output "repo_url" {
  value = data.aws_ecr_repository.app.repository_url
}
