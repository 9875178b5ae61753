# The task definition that mounts the file system is registered once its mount targets exist.
output "file_system_id" {
  value      = aws_efs_file_system.repos.id
  depends_on = [aws_efs_mount_target.repos]
}

output "file_system_arn" {
  value = aws_efs_file_system.repos.arn
}

output "access_point_id" {
  value = aws_efs_access_point.repos.id
}

output "access_point_arn" {
  value = aws_efs_access_point.repos.arn
}
