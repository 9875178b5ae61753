# Production's alarms, each sent to one SNS topic (and from there to the alert email): database
# CPU above 80% and free storage below 5 GB, API server and web app CPU above 90%, unhealthy
# targets behind the load balancer. The topic and the database alarms are base; the alarms on the
# services and target groups refer to runtime objects and go with them at night.

locals {
  alarms        = var.enable_alarms ? 1 : 0
  alert_actions = aws_sns_topic.alerts[*].arn
}

resource "aws_sns_topic" "alerts" {
  count        = local.alarms
  name         = "${local.name}-alerts"
  display_name = "Plue ${var.environment} alerts"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.enable_alarms && var.sns_alert_email != "" ? 1 : 0
  topic_arn = aws_sns_topic.alerts[0].arn
  protocol  = "email"
  endpoint  = var.sns_alert_email
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  count               = local.alarms
  alarm_name          = "${local.name}-db-cpu-high"
  alarm_description   = "Database CPU utilization above 80%"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  dimensions          = { DBInstanceIdentifier = module.database.db_instance_identifier }
  alarm_actions       = local.alert_actions
  ok_actions          = local.alert_actions
}

resource "aws_cloudwatch_metric_alarm" "db_free_storage" {
  count               = local.alarms
  alarm_name          = "${local.name}-db-free-storage-low"
  alarm_description   = "Database free storage below 5 GB"
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 5 * 1024 * 1024 * 1024
  dimensions          = { DBInstanceIdentifier = module.database.db_instance_identifier }
  alarm_actions       = local.alert_actions
  ok_actions          = local.alert_actions
}

resource "aws_cloudwatch_metric_alarm" "service_cpu" {
  for_each = var.enable_alarms ? {
    api-server = module.api_server.service_name
    web-app    = module.web_app.service_name
  } : {}
  alarm_name          = "${local.name}-${each.key}-cpu-high"
  alarm_description   = "${each.key} CPU utilization above 90%"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 90
  dimensions          = { ClusterName = module.ecs_cluster.cluster_name, ServiceName = each.value }
  alarm_actions       = local.alert_actions
  ok_actions          = local.alert_actions
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  for_each = var.enable_alarms ? {
    api-server = module.load_balancer.api_target_group_arn_suffix
    web-app    = module.load_balancer.web_target_group_arn_suffix
  } : {}
  alarm_name          = "${local.name}-${each.key}-unhealthy-targets"
  alarm_description   = "Unhealthy ${each.key} targets behind the load balancer"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  dimensions          = { LoadBalancer = module.load_balancer.alb_arn_suffix, TargetGroup = each.value }
  alarm_actions       = local.alert_actions
}
