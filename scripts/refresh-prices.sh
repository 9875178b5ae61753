#!/usr/bin/env bash
# Rebuilds crates/provision-cost/prices.json, the price table `provision cost` and the estimate at
# the end of `provision plan` use, from AWS's Price List Query API (on-demand, Linux), for the
# regions given (default: us-east-1 us-east-2 us-west-2 eu-west-1 eu-west-2 eu-west-3
# eu-central-1 ap-southeast-1 ap-southeast-2 ap-northeast-1). Every price is recorded with its
# source (the Price List service code and the offer version it came from), its usage type and SKU,
# and the table with today's date. A price a region's offer lacks stays absent: nothing is copied
# from another region. Not run in CI: it needs the network and AWS credentials.
#
# Needs: python3 and the AWS CLI v2 with credentials of any account allowed pricing:GetProducts
# (the Price List API is free). Takes a few minutes.
#
# Usage: scripts/refresh-prices.sh [REGION...]     (AWS_CLI=/path/to/aws to use another binary)
#        git diff crates/provision-cost/prices.json   # review, then rebuild and commit
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v "${AWS_CLI:-aws}" >/dev/null || { echo "refresh-prices: the AWS CLI (aws, or \$AWS_CLI) is needed" >&2; exit 1; }
regions=("${@:-us-east-1 us-east-2 us-west-2 eu-west-1 eu-west-2 eu-west-3 eu-central-1 ap-southeast-1 ap-southeast-2 ap-northeast-1}")
read -r -a regions <<<"${regions[*]}"

python3 - "crates/provision-cost/prices.json" "${regions[@]}" <<'PY'
"""Queries the Price List API through the AWS CLI and writes the price table."""
import datetime
import json
import os
import subprocess
import sys

out_path, regions = sys.argv[1], sys.argv[2:]
today = datetime.date.today().isoformat()


def products(service, **filters):
    """Every product of `service` matching the attribute filters, with its on-demand terms."""
    args = [os.environ.get("AWS_CLI", "aws"), "pricing", "get-products", "--region", "us-east-1", "--service-code", service,
            "--output", "json", "--filters"]
    args += [f"Type=TERM_MATCH,Field={k},Value={v}" for k, v in filters.items()]
    items, token = [], None
    while True:
        page = json.loads(subprocess.run(args + (["--next-token", token] if token else []),
                                         check=True, capture_output=True, text=True).stdout)
        items += [json.loads(p) for p in page.get("PriceList", [])]
        token = page.get("NextToken")
        if not token:
            return items


def on_demand_usd(product):
    """The first non-zero on-demand price per unit (the first tier of tiered prices)."""
    dims = [d for term in product.get("terms", {}).get("OnDemand", {}).values()
            for d in term["priceDimensions"].values()]
    dims.sort(key=lambda d: float(d.get("beginRange", "0") or 0))
    for d in dims:
        usd = float(d["pricePerUnit"].get("USD", "0"))
        if usd > 0:
            return usd
    return None


def usagetype(p):
    return p["product"]["attributes"].get("usagetype", "")


def attr(p, name):
    return p["product"]["attributes"].get(name, "")


table = {
    "as_of": today,
    "currency": "USD",
    "hours_per_month": 730,
    "about": "On-demand, Linux prices from AWS's Price List API, written by scripts/refresh-prices.sh.",
    "sources": {},
    "global": {},
    "regions": {},
}


def source(service, product):
    """The source key of `product`: its service code and the offer version it was read from."""
    version = product.get("version", "")
    key = f"aws-price-list-{service}" + (f"-{version}" if version else "")
    published = product.get("publicationDate", "")
    table["sources"][key] = (f"AWS Price List API, service code {service}"
                             + (f", offer version {version} (published {published})" if version else "")
                             + f", queried on {today}")
    return key


def put(prices, key, product, service, usd=None):
    """Records `product`'s on-demand price (or `usd`, when derived from it) under `key`, once."""
    usd = usd if usd is not None else on_demand_usd(product)
    if usd and key not in prices:
        sku = product.get("product", {}).get("sku", "")
        prices[key] = {"usd": usd, "source": source(service, product),
                       "note": f"usagetype {usagetype(product)}" + (f", SKU {sku}" if sku else "")}


for region in regions:
    prices = {}
    for p in products("AmazonEC2", regionCode=region, productFamily="NAT Gateway"):
        if usagetype(p).endswith("NatGateway-Hours"):
            put(prices, "nat_gateway_hour", p, "AmazonEC2")
        elif usagetype(p).endswith("NatGateway-Bytes"):
            put(prices, "nat_gateway_gb", p, "AmazonEC2")
    for p in products("AmazonVPC", regionCode=region):
        if usagetype(p).endswith("PublicIPv4:InUseAddress"):
            put(prices, "public_ipv4_hour", p, "AmazonVPC")
    for p in products("AWSELB", regionCode=region, productFamily="Load Balancer-Application"):
        if usagetype(p).endswith("LoadBalancerUsage"):
            put(prices, "alb_hour", p, "AWSELB")
        elif usagetype(p).endswith("LCUUsage"):
            put(prices, "alb_lcu_hour", p, "AWSELB")
    fargate = {
        "Fargate-vCPU-Hours:perCPU": "fargate_vcpu_hour",
        "Fargate-GB-Hours": "fargate_gb_hour",
        "Fargate-ARM-vCPU-Hours:perCPU": "fargate_arm_vcpu_hour",
        "Fargate-ARM-GB-Hours": "fargate_arm_gb_hour",
    }
    for p in products("AmazonECS", regionCode=region):
        for name, key in fargate.items():
            if usagetype(p) == name or usagetype(p).endswith("-" + name):
                if "Windows" not in usagetype(p) and "Spot" not in usagetype(p):
                    put(prices, key, p, "AmazonECS")
    for p in products("AmazonRDS", regionCode=region, productFamily="Database Instance"):
        engine, cls, dep = attr(p, "databaseEngine"), attr(p, "instanceType"), attr(p, "deploymentOption")
        if "IOOptimized" in usagetype(p) or "Extended" in usagetype(p):
            continue
        if engine == "PostgreSQL" and dep == "Single-AZ":
            put(prices, f"rds_postgres_hour:{cls}", p, "AmazonRDS")
        elif engine == "PostgreSQL" and dep == "Multi-AZ":
            put(prices, f"rds_postgres_multi_az_hour:{cls}", p, "AmazonRDS")
        elif engine == "Aurora PostgreSQL" and dep == "Single-AZ":
            put(prices, f"aurora_postgresql_hour:{cls}", p, "AmazonRDS")
    volumes = {"General Purpose-GP3": "gp3", "General Purpose": "gp2", "Provisioned IOPS": "io1"}
    for p in products("AmazonRDS", regionCode=region, productFamily="Database Storage"):
        volume, dep, engine = attr(p, "volumeType"), attr(p, "deploymentOption"), attr(p, "databaseEngine")
        if volume == "General Purpose-Aurora" and "IOOptimized" not in usagetype(p):
            put(prices, "aurora_storage_gb_month", p, "AmazonRDS")
        elif volume in volumes and engine in ("PostgreSQL", "Any", "") and dep in ("Single-AZ", "Multi-AZ"):
            multi = "_multi_az" if dep == "Multi-AZ" else ""
            put(prices, f"rds_storage{multi}_gb_month:{volumes[volume]}", p, "AmazonRDS")
    for p in products("AmazonRDS", regionCode=region, productFamily="System Operation"):
        if attr(p, "group") == "Aurora I/O Operation" and on_demand_usd(p):
            put(prices, "aurora_io_million", p, "AmazonRDS", round(on_demand_usd(p) * 1e6, 6))
    for p in products("AmazonEFS", regionCode=region, productFamily="Storage"):
        if attr(p, "storageClass") == "General Purpose" and usagetype(p).endswith("TimedStorage-ByteHrs"):
            put(prices, "efs_standard_gb_month", p, "AmazonEFS")
    for p in products("AWSSecretsManager", regionCode=region):
        # EU-AWSSecretsManager-Secrets in eu-west-1, APS1-AWSSecretsManager-Secret in ap-southeast-1
        if usagetype(p).endswith(("AWSSecretsManager-Secrets", "AWSSecretsManager-Secret")):
            put(prices, "secretsmanager_secret_month", p, "AWSSecretsManager")
    for p in products("awskms", regionCode=region):
        if usagetype(p).endswith("KMS-Keys"):
            put(prices, "kms_key_month", p, "awskms")
    for p in products("AmazonCloudWatch", regionCode=region):
        if usagetype(p).endswith("CW:AlarmMonitorUsage"):
            put(prices, "cloudwatch_alarm_month", p, "AmazonCloudWatch")
        elif usagetype(p).endswith("DataProcessing-Bytes") and attr(p, "group") == "Ingested Logs":
            put(prices, "cloudwatch_logs_ingestion_gb", p, "AmazonCloudWatch")
    if prices:  # a region the Price List has nothing for stays out of the table
        table["regions"][region] = dict(sorted(prices.items()))
    print(f"{region}: {len(prices)} prices", file=sys.stderr)

for p in products("AmazonRoute53"):
    if usagetype(p) == "HostedZone":
        put(table["global"], "route53_hosted_zone_month", p, "AmazonRoute53")

with open(out_path, "w") as f:
    json.dump(table, f, indent=2)
    f.write("\n")
print(f"wrote {out_path} (as_of {today})", file=sys.stderr)
PY
