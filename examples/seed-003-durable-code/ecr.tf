# One repository per image, scanned on push. Keep the last 10 images; untagged images go after 7
# days. Base layer: the images must survive the night.

resource "aws_ecr_repository" "backend" {
  name                 = "${var.project_name}-backend"
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_repository" "frontend" {
  name                 = "${var.project_name}-frontend"
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

locals {
  ecr_repositories = {
    backend  = aws_ecr_repository.backend.name
    frontend = aws_ecr_repository.frontend.name
  }

  ecr_lifecycle_policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Remove untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last 10 images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = 10
        }
        action = { type = "expire" }
      },
    ]
  })
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each   = local.ecr_repositories
  repository = each.value
  policy     = local.ecr_lifecycle_policy
}

# ECS pulls with the task execution role; CI (the GitHub Actions role of PR5) pushes.
resource "aws_ecr_repository_policy" "this" {
  for_each   = local.ecr_repositories
  repository = each.value

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "AllowECSPull"
          Effect    = "Allow"
          Principal = { AWS = aws_iam_role.ecs_task_execution.arn }
          Action = [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
          ]
        },
      ],
      length(var.ecr_push_principals) == 0 ? [] : [
        {
          Sid       = "AllowCIPush"
          Effect    = "Allow"
          Principal = { AWS = var.ecr_push_principals }
          Action = [
            "ecr:BatchCheckLayerAvailability",
            "ecr:CompleteLayerUpload",
            "ecr:InitiateLayerUpload",
            "ecr:PutImage",
            "ecr:UploadLayerPart",
          ]
        },
      ],
    )
  })
}
