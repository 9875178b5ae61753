output "ecs_task_execution_role_arn" {
  value = aws_iam_role.ecs_task_execution.arn

  # A service using the role must be deleted before its permissions go (its draining tasks still
  # pull and log), and created after they exist.
  depends_on = [aws_iam_role_policy_attachment.ecs_task_execution, aws_iam_role_policy.ecs_task_execution_secrets]
}

output "ecs_task_role_arn" {
  value      = aws_iam_role.ecs_task.arn
  depends_on = [aws_iam_role_policy_attachment.ecs_task]
}
