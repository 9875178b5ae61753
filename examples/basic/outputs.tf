output "vpc_id" {
  description = "The VPC's ID."
  value       = aws_vpc.main.id
}

output "public_subnet_ids" {
  description = "The public subnets' IDs."
  value       = aws_subnet.public[*].id
}

output "internet_gateway_id" {
  value = aws_internet_gateway.main.id
}
