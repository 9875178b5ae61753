# The role ARNs wait for their policies, so the task definition (and the service that runs it) is
# created after them and deleted before them.
output "task_execution_role_arn" {
  value      = aws_iam_role.task_execution.arn
  depends_on = [aws_iam_role_policy_attachment.task_execution, aws_iam_role_policy.task_execution_secrets]
}

output "task_role_arn" {
  value      = aws_iam_role.task.arn
  depends_on = [aws_iam_role_policy_attachment.task]
}
