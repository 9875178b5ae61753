"""Prints a Terraform override file that points every `provider "aws"` block of a root module (the
default configuration and each alias) at an emulator: static credentials, no account lookups,
path-style S3. Used by scripts/bench-stack.sh and scripts/check-terraform-migration.sh, which set
AWS_ENDPOINT_URL themselves.

Usage: python3 scripts/lib/terraform-override.py DIR > DIR/zz_override.tf
"""
import glob, os, re, sys

aliases, has_default = set(), False
for path in glob.glob(os.path.join(sys.argv[1], "*.tf")):
    for m in re.finditer(r'(?m)^provider\s+"aws"\s*\{(.*?)^\}', open(path).read(), re.S):
        a = re.search(r'(?m)^\s*alias\s*=\s*"([^"]+)"', m.group(1))
        if a:
            aliases.add(a.group(1))
        else:
            has_default = True
body = """  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
"""
if has_default:
    print('provider "aws" {\n' + body + "}\n")
for a in sorted(aliases):
    print('provider "aws" {\n  alias = "%s"\n%s}\n' % (a, body))
