output "db_instance_identifier" {
  value = aws_db_instance.main.identifier
}

output "db_endpoint" {
  value = aws_db_instance.main.endpoint
}

output "db_address" {
  value = aws_db_instance.main.address
}

output "password_secret_arn" {
  value = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "connection_secret_arn" {
  value = aws_secretsmanager_secret.connection.arn
}
