# A local stand-in for the registry module terraform-aws-modules/vpc/aws (v5), for the inputs this
# stack passes: same input and output names, same resource addresses (aws_vpc.this[0],
# aws_subnet.public[0], aws_nat_gateway.this[1], ...), so a `moved` block or a switch to the
# registry module later finds the same objects.
#
# Public subnets route to the internet gateway; each private subnet routes through the NAT
# gateway of its zone (or the single one); database subnets use the private route tables.
# NAT gateways, their addresses and the private default routes are the runtime layer.

locals {
  create_vpc = true
  nat_count  = var.enable_nat_gateway ? (var.single_nat_gateway ? 1 : length(var.azs)) : 0
  # One private route table per NAT gateway, as the registry module does.
  private_route_table_count = var.enable_nat_gateway && !var.single_nat_gateway ? length(var.private_subnets) : 1
}

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.cidr
  enable_dns_hostnames = var.enable_dns_hostnames
  enable_dns_support   = var.enable_dns_support

  tags = merge({ Name = var.name }, var.tags)
}

# --- public subnets

resource "aws_subnet" "public" {
  count = length(var.public_subnets)

  vpc_id                  = aws_vpc.this[0].id
  cidr_block              = var.public_subnets[count.index]
  availability_zone       = element(var.azs, count.index)
  map_public_ip_on_launch = var.map_public_ip_on_launch

  tags = merge({ Name = "${var.name}-public-${element(var.azs, count.index)}" }, var.tags)
}

resource "aws_internet_gateway" "this" {
  count = length(var.public_subnets) > 0 ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge({ Name = var.name }, var.tags)
}

resource "aws_route_table" "public" {
  count = length(var.public_subnets) > 0 ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge({ Name = "${var.name}-public" }, var.tags)
}

resource "aws_route" "public_internet_gateway" {
  count = length(var.public_subnets) > 0 ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = length(var.public_subnets)

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

# --- private subnets

resource "aws_subnet" "private" {
  count = length(var.private_subnets)

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = var.private_subnets[count.index]
  availability_zone = element(var.azs, count.index)

  tags = merge({ Name = "${var.name}-private-${element(var.azs, count.index)}" }, var.tags)
}

resource "aws_route_table" "private" {
  count = length(var.private_subnets) > 0 ? local.private_route_table_count : 0

  vpc_id = aws_vpc.this[0].id
  tags = merge(
    { Name = local.private_route_table_count == 1 ? "${var.name}-private" : "${var.name}-private-${element(var.azs, count.index)}" },
    var.tags,
  )
}

resource "aws_route_table_association" "private" {
  count = length(var.private_subnets)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[local.private_route_table_count == 1 ? 0 : count.index].id
}

# --- database subnets and their subnet group

resource "aws_subnet" "database" {
  count = length(var.database_subnets)

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = var.database_subnets[count.index]
  availability_zone = element(var.azs, count.index)

  tags = merge({ Name = "${var.name}-db-${element(var.azs, count.index)}" }, var.tags)
}

resource "aws_db_subnet_group" "database" {
  count = length(var.database_subnets) > 0 && var.create_database_subnet_group ? 1 : 0

  name        = lower(var.name)
  description = "Database subnet group for ${var.name}"
  subnet_ids  = aws_subnet.database[*].id

  tags = merge({ Name = lower(var.name) }, var.tags)
}

resource "aws_route_table_association" "database" {
  count = length(var.private_subnets) > 0 ? length(var.database_subnets) : 0

  subnet_id      = aws_subnet.database[count.index].id
  route_table_id = aws_route_table.private[local.private_route_table_count == 1 ? 0 : count.index].id
}

# --- NAT gateways (runtime layer)

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"
  tags   = merge({ Name = "${var.name}-${element(var.azs, count.index)}" }, var.tags)

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = merge({ Name = "${var.name}-${element(var.azs, count.index)}" }, var.tags)

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route" "private_nat_gateway" {
  count = var.enable_nat_gateway ? local.private_route_table_count : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
}
