# The outputs of terraform-aws-modules/rds-aurora/aws that this stack reads, with the registry
# module's names.

output "cluster_id" {
  description = "The RDS Cluster Identifier"
  value       = aws_rds_cluster.this.id
}

output "cluster_arn" {
  description = "Amazon Resource Name (ARN) of cluster"
  value       = aws_rds_cluster.this.arn
}

output "cluster_endpoint" {
  description = "Writer endpoint for the cluster"
  value       = aws_rds_cluster.this.endpoint
}

output "cluster_reader_endpoint" {
  description = "A read-only endpoint for the cluster, automatically load-balanced across replicas"
  value       = aws_rds_cluster.this.reader_endpoint
}

output "cluster_port" {
  description = "The database port"
  value       = aws_rds_cluster.this.port
}

output "cluster_instances" {
  description = "A map of cluster instances and their attributes"
  value       = { for k, i in aws_rds_cluster_instance.this : k => { identifier = i.id, endpoint = i.endpoint, writer = i.writer } }
}

output "security_group_id" {
  description = "The security group ID of the cluster"
  value       = aws_security_group.this.id
}
