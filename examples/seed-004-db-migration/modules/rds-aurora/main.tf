# A local stand-in for the registry module terraform-aws-modules/rds-aurora/aws, for the inputs
# this stack passes: an Aurora cluster, its instances (the first is the writer), a security group
# with the given ingress rules and, when asked, a cluster parameter group.

locals {
  ingress = merge([
    for rule_key, rule in var.security_group_ingress_rules : merge(
      { for i, sg in rule.security_groups : "${rule_key}-${i}" => merge(rule, { source_security_group = sg, cidr = null }) },
      rule.cidr_ipv4 == null ? {} : { "${rule_key}-cidr" = merge(rule, { source_security_group = null, cidr = rule.cidr_ipv4 }) },
    )
  ]...)
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "Control traffic to/from RDS Aurora ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge({ Name = var.name }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  referenced_security_group_id = each.value.source_security_group
  cidr_ipv4                    = each.value.cidr
}

resource "aws_rds_cluster_parameter_group" "this" {
  count = var.create_db_cluster_parameter_group ? 1 : 0

  name_prefix = "${var.name}-"
  family      = var.family
  description = "${var.name} cluster parameter group"

  dynamic "parameter" {
    for_each = var.db_cluster_parameter_group_parameters
    content {
      name         = parameter.value.name
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = var.name
  engine             = var.engine
  engine_version     = var.engine_version
  engine_mode        = "provisioned"
  database_name      = var.database_name
  master_username    = var.master_username
  port               = var.port

  master_password             = var.manage_master_user_password ? null : var.master_password
  manage_master_user_password = var.manage_master_user_password ? true : null

  db_subnet_group_name            = var.db_subnet_group_name
  vpc_security_group_ids          = compact(concat([aws_security_group.this.id], var.vpc_security_group_ids))
  db_cluster_parameter_group_name = try(aws_rds_cluster_parameter_group.this[0].name, null)

  backup_retention_period      = var.backup_retention_period
  preferred_backup_window      = var.preferred_backup_window
  preferred_maintenance_window = var.preferred_maintenance_window
  storage_encrypted            = var.storage_encrypted
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = var.skip_final_snapshot
  final_snapshot_identifier    = var.skip_final_snapshot ? null : coalesce(var.final_snapshot_identifier, "${var.name}-final")
  copy_tags_to_snapshot        = true
  apply_immediately            = var.apply_immediately

  enabled_cloudwatch_logs_exports = var.enabled_cloudwatch_logs_exports

  tags = var.tags
}

resource "aws_rds_cluster_instance" "this" {
  for_each = var.instances

  identifier          = "${var.name}-${each.key}"
  cluster_identifier  = aws_rds_cluster.this.id
  engine              = aws_rds_cluster.this.engine
  engine_version      = aws_rds_cluster.this.engine_version
  instance_class      = each.value.instance_class
  publicly_accessible = each.value.publicly_accessible
  promotion_tier      = each.value.promotion_tier
  apply_immediately   = var.apply_immediately

  tags = var.tags
}
