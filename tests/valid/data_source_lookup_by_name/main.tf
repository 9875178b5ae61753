# A data source looked up by one argument and read for another it could also have been given
# (`name` given, `zone_id` read): offline, what AWS returns is unknown, not null, so validate must
# not call a required argument built from it missing.

variable "domain" {
  type = string
}

data "aws_route53_zone" "public" {
  name         = "${var.domain}."
  private_zone = false
}

resource "aws_route53_record" "www" {
  zone_id = data.aws_route53_zone.public.zone_id
  name    = "www.${var.domain}"
  type    = "CNAME"
  ttl     = 300
  records = ["origin.${var.domain}"]
}
