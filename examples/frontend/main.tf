# A static single-page frontend: a private, versioned, encrypted S3 bucket that only the CloudFront
# distribution may read (origin access control), index.html uploaded by provision, the app's routes
# rewritten to its index by a CloudFront function (client-side routing; 403/404 also answer the
# index), a cache policy of its own, and an alarm on the distribution's 5xx rate sent to an
# SNS topic. Configuration for the app lives in SSM parameters.
#
# All of it is in the base layer: the nightly `destroy --layer runtime` leaves it alone.

provider "aws" {
  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "provision"
    }
  }
}

# CloudFront publishes its metrics in us-east-1, and an alarm notifies a topic of its own region:
# the alarm and its topic use this provider configuration.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

variable "name" {
  type    = string
  default = "storefront"
}

variable "alerts_email" {
  type    = string
  default = "oncall@example.com"
}

variable "api_key" {
  type      = string
  sensitive = true
  default   = "change-me-in-tfvars"
}

resource "aws_s3_bucket" "site" {
  bucket_prefix = "${var.name}-site-"
  force_destroy = false
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_object" "index" {
  bucket        = aws_s3_bucket.site.id
  key           = "index.html"
  content       = "<!doctype html><html><body><div id=\"root\">${var.name}</div></body></html>"
  content_type  = "text/html"
  cache_control = "no-cache"
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${var.name}-site"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# What the cache key holds and how long objects stay cached: the app's assets are fingerprinted, so
# Terraform's defaults (a day, at most a year) suit them, and nothing in the request varies the
# answer but the compression the viewer accepts.
resource "aws_cloudfront_cache_policy" "site" {
  name        = "${var.name}-site"
  comment     = "static assets of ${var.name}"
  default_ttl = 86400
  max_ttl     = 31536000
  min_ttl     = 0

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Client-side routing: a request for one of the app's routes (`/orders/42`, `/settings/`) gets
# index.html; files (`/assets/app.3f9c.js`) pass through. Runs on every viewer request.
resource "aws_cloudfront_function" "spa_rewrite" {
  name    = "${var.name}-spa-rewrite"
  runtime = "cloudfront-js-2.0"
  comment = "serves index.html for the app's routes"
  publish = true
  code    = <<-EOT
    function handler(event) {
      var request = event.request;
      var last = request.uri.split('/').pop();
      if (last === '' || last.indexOf('.') === -1) {
        request.uri = '/index.html';
      }
      return request;
    }
  EOT
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = "${var.name} frontend"
  default_root_object = "index.html"
  price_class         = "PriceClass_100"

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  default_cache_behavior {
    target_origin_id       = "site"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    cache_policy_id        = aws_cloudfront_cache_policy.site.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_rewrite.arn
    }
  }

  custom_error_response {
    error_code         = 403
    response_code      = 200
    response_page_path = "/index.html"
  }

  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

data "aws_iam_policy_document" "site" {
  statement {
    sid       = "CloudFrontReadsTheSite"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.site.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json
}

resource "aws_sns_topic" "alerts" {
  provider = aws.us_east_1
  name     = "${var.name}-alerts"
}

resource "aws_sns_topic_subscription" "oncall" {
  provider  = aws.us_east_1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alerts_email
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  provider            = aws.us_east_1
  alarm_name          = "${var.name}-5xx"
  alarm_description   = "More than 5% of requests to the frontend fail"
  namespace           = "AWS/CloudFront"
  metric_name         = "5xxErrorRate"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  threshold           = 5
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    DistributionId = aws_cloudfront_distribution.site.id
    Region         = "Global"
  }
  alarm_actions = [aws_sns_topic.alerts.arn]
}

resource "aws_ssm_parameter" "api_url" {
  name  = "/${var.name}/api_url"
  type  = "String"
  value = "https://api.example.com"
}

resource "aws_ssm_parameter" "api_key" {
  name  = "/${var.name}/api_key"
  type  = "SecureString"
  value = var.api_key
}

output "url" {
  value = "https://${aws_cloudfront_distribution.site.domain_name}"
}

output "bucket" {
  value = aws_s3_bucket.site.id
}
