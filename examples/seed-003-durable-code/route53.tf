# The hosted zone (base layer: its name servers are delegated to by hand) and the A record of the
# load balancer. The record's `alias` is a weak reference (docs/layers.md): the record stays
# overnight and the morning apply points it at the new load balancer, in place.

resource "aws_route53_zone" "main" {
  name = var.domain_name
}

resource "aws_route53_record" "app" {
  zone_id = aws_route53_zone.main.zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.main.dns_name
    zone_id                = aws_lb.main.zone_id
    evaluate_target_health = true
  }
}
