# The types no example creates, for the calls-per-create table (tests/moto_calls.rs): Terraform's
# aliases of the load balancer types, rules of a security group managed on their own, a KMS key
# and its alias, a listener's second certificate, an origin access identity, a cluster's capacity
# providers, a cluster parameter group and the S3 bucket settings the examples leave out. (IAM's
# instance profile and OpenID Connect provider come from tests/moto_iam.) Applied through the
# emulators of provision-testkit, for CloudFront's answers moto lacks.

provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "calls" {
  cidr_block = "10.42.0.0/16"
}

resource "aws_subnet" "calls" {
  count             = 2
  vpc_id            = aws_vpc.calls.id
  cidr_block        = cidrsubnet(aws_vpc.calls.cidr_block, 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
}

resource "aws_security_group" "calls" {
  name   = "calls"
  vpc_id = aws_vpc.calls.id
}

resource "aws_security_group_rule" "https_in" {
  type              = "ingress"
  security_group_id = aws_security_group.calls.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["10.42.0.0/16"]
}

resource "aws_vpc_security_group_egress_rule" "https_out" {
  security_group_id = aws_security_group.calls.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_alb" "calls" {
  name            = "calls"
  subnets         = aws_subnet.calls[*].id
  security_groups = [aws_security_group.calls.id]
}

resource "aws_alb_target_group" "calls" {
  name        = "calls"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = aws_vpc.calls.id
}

resource "aws_lb_target_group_attachment" "calls" {
  target_group_arn = aws_alb_target_group.calls.arn
  target_id        = "10.42.0.10"
  port             = 80
}

resource "aws_acm_certificate" "calls" {
  domain_name       = "calls.example.com"
  validation_method = "DNS"
}

resource "aws_acm_certificate" "second" {
  domain_name       = "second.example.com"
  validation_method = "DNS"
}

resource "aws_alb_listener" "calls" {
  load_balancer_arn = aws_alb.calls.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = aws_acm_certificate.calls.arn
  default_action {
    type             = "forward"
    target_group_arn = aws_alb_target_group.calls.arn
  }
}

resource "aws_lb_listener_certificate" "second" {
  listener_arn    = aws_alb_listener.calls.arn
  certificate_arn = aws_acm_certificate.second.arn
}

resource "aws_kms_key" "calls" {
  description             = "calls"
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "calls" {
  name          = "alias/calls"
  target_key_id = aws_kms_key.calls.key_id
}

resource "aws_s3_bucket" "calls" {
  bucket = "provision-calls-site"
}

resource "aws_s3_bucket_ownership_controls" "calls" {
  bucket = aws_s3_bucket.calls.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_acl" "calls" {
  bucket     = aws_s3_bucket.calls.id
  acl        = "private"
  depends_on = [aws_s3_bucket_ownership_controls.calls]
}

resource "aws_s3_bucket_cors_configuration" "calls" {
  bucket = aws_s3_bucket.calls.id
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["https://app.example.com"]
  }
}

resource "aws_s3_bucket_website_configuration" "calls" {
  bucket = aws_s3_bucket.calls.id
  index_document {
    suffix = "index.html"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "calls" {
  bucket = aws_s3_bucket.calls.id
  rule {
    id     = "archive"
    status = "Enabled"
    filter {}
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
  }
}

resource "aws_ecs_cluster" "calls" {
  name = "calls"
}

resource "aws_ecs_cluster_capacity_providers" "calls" {
  cluster_name       = aws_ecs_cluster.calls.name
  capacity_providers = ["FARGATE"]
  default_capacity_provider_strategy {
    base              = 1
    weight            = 100
    capacity_provider = "FARGATE"
  }
}

resource "aws_rds_cluster_parameter_group" "calls" {
  name        = "calls"
  family      = "aurora-postgresql16"
  description = "calls"
  parameter {
    name         = "log_min_duration_statement"
    value        = "500"
    apply_method = "immediate"
  }
}

resource "aws_cloudfront_origin_access_identity" "calls" {
  comment = "calls"
}
