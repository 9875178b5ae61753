#!/usr/bin/env bash
# The Terraform-driven check of `provision state migrate --from-terraform` (issue 18), against
# moto: for each example, a real Terraform (with the AWS provider from /opt/tf-plugins, or
# TF_PLUGIN_DIR) applies a copy of it and writes a real state; then, in a second copy without
# Terraform's override file, provision migrates that state, plans (what the first plan shows is
# reported), applies, and plans again, which must show no change; every object must keep the id
# Terraform recorded (mapped as `id_from_terraform` maps it) and Terraform's state must be
# byte-identical; finally provision destroys the stack.
# Not part of the test suite: a user's machine has no Terraform (tests/moto_migrate.rs checks the
# same with a state written in Terraform's format).
#
# Usage: scripts/check-terraform-migration.sh [example...]   (default: network web)
# Env:   PROVISION=path          the provision binary (default: target/debug/provision, built
#                                when missing)
#        PROVISION_MOTO_SERVER   the moto_server to run (default: scripts/install-moto.sh's)
#        TF_PLUGIN_DIR           the provider plugins for `terraform init -plugin-dir`
#                                (default /opt/tf-plugins)
#        CHECK_ARGS_<example>    arguments for every command on that example, for both tools
#                                (default for database: -var=deletion_protection=false)
#        CHECK_STATE_RM_<example>  addresses (separated by spaces) to `terraform state rm` before
#                                migrating, as the migration's refusals tell a user to (e.g. one
#                                object Terraform records at two addresses)
#        CHECK_TF_TIMEOUT=600    seconds a Terraform command may take (then reported as failed)
#        CHECK_KEEP=1            keep the work directory
# Exit status: 0 when every example passed, 1 otherwise. One summary line per example at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
plugins="${TF_PLUGIN_DIR:-/opt/tf-plugins}"

if [[ $# -gt 0 ]]; then examples=("$@"); else examples=(network web); fi
command -v terraform >/dev/null || { echo "error: terraform is not on the PATH" >&2; exit 1; }
moto_server="${PROVISION_MOTO_SERVER:-$(scripts/install-moto.sh)}"
provision="${PROVISION:-$repo/target/debug/provision}"
if [[ ! -x "$provision" ]]; then
    echo "building provision..." >&2
    cargo build --locked --quiet -p provision-cli --bin provision
fi

work="$(mktemp -d)"
moto_pid=""
stop_moto() {
    if [[ -n "$moto_pid" ]]; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
        moto_pid=""
    fi
}
cleanup() {
    stop_moto
    if [[ "${CHECK_KEEP:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true NO_COLOR=1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null PROVISION_RECOVERY_SETTLE=0s
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE="$work/terraformrc"
: >"$TF_CLI_CONFIG_FILE"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_moto() {
    local port
    port="$(free_port)"
    MOTO_ACM_VALIDATION_WAIT=0 MOTO_IAM_LOAD_MANAGED_POLICIES=true \
        "$moto_server" -H 127.0.0.1 -p "$port" >"$work/$1.moto.log" 2>&1 &
    moto_pid=$!
    for _ in $(seq 1 150); do
        curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
        sleep 0.2
    done
    export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
}

copy_config() {
    mkdir -p "$2"
    (cd "$1" && find . -type f \( -name '*.tf' -o -name '*.tfvars' -o -name '*.json' -o -name '*.tpl' \
        -o -name '*.html' -o -name '*.js' -o -name '*.yaml' -o -name '*.yml' -o -name '*.sh' \) \
        -not -path './.terraform/*' -print0 | xargs -0 -I{} cp --parents {} "$2")
}

# Terraform against moto: static credentials and no account lookups, for the default provider
# configuration and every alias (as scripts/bench-stack.sh does).
terraform_overrides() {
    python3 "$repo/scripts/lib/terraform-override.py" "$1" >"$1/zz_check_override.tf"
}

# The last "Plan: ..." or "No changes." line of a plan's output.
summary() { grep -E '^(Plan:|No changes\.)' "$1" | tail -n 1 || true; }

results=()
failed=0
for name in "${examples[@]}"; do
    tf="$work/$name-terraform" pv="$work/$name-provision"
    var="CHECK_ARGS_${name//-/_}"
    value="${!var-}"
    if [[ -z "${!var+set}" && "$name" == database ]]; then value="-var=deletion_protection=false"; fi
    read -r -a args <<<"$value"
    copy_config "examples/$name" "$tf"
    copy_config "examples/$name" "$pv"
    terraform_overrides "$tf"
    start_moto "$name"
    echo "== $name" >&2
    line="$name:"
    ok=1
    if ! terraform -chdir="$tf" init -no-color -input=false -plugin-dir="$plugins" >"$work/$name.init.log" 2>&1; then
        results+=("FAIL $name: terraform init failed: $(tail -n 3 "$work/$name.init.log" | tr '\n' ' ')")
        echo "   ${results[-1]}" >&2
        failed=1
        stop_moto
        continue
    fi
    t0=$EPOCHREALTIME
    if ! timeout "${CHECK_TF_TIMEOUT:-600}" terraform -chdir="$tf" apply -no-color -auto-approve -input=false "${args[@]}" >"$work/$name.tf-apply.log" 2>&1; then
        results+=("FAIL $name: terraform apply failed: $(grep -m1 -A3 'Error:' "$work/$name.tf-apply.log" | tr '\n' ' ')")
        echo "   ${results[-1]}" >&2
        failed=1
        stop_moto
        continue
    fi
    tf_objects="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(len(r["instances"]) for r in s["resources"] if r["mode"]=="managed"))' "$tf/terraform.tfstate")"
    line+=" terraform applied $tf_objects objects ($(python3 -c "print(f'{$EPOCHREALTIME - $t0:.1f}')")s);"
    rm_var="CHECK_STATE_RM_${name//-/_}"
    if [[ -n "${!rm_var-}" ]]; then
        read -r -a rm_addresses <<<"${!rm_var}"
        terraform -chdir="$tf" state rm -no-color "${rm_addresses[@]}" >"$work/$name.state-rm.log" 2>&1
        line+=" terraform state rm ${rm_addresses[*]};"
    fi
    before="$(sha256sum "$tf/terraform.tfstate" | cut -d' ' -f1)"

    t0=$EPOCHREALTIME
    set +e
    "$provision" -C "$pv" state migrate --from-terraform "$tf/terraform.tfstate" "${args[@]}" >"$work/$name.migrate.log" 2>&1
    status=$?
    set -e
    if [[ $status -ne 0 ]]; then
        results+=("FAIL $name: migrate failed (exit $status): $(grep -m1 -A6 'error' "$work/$name.migrate.log" | tr '\n' ' ')")
        echo "   ${results[-1]}" >&2
        failed=1
        stop_moto
        continue
    fi
    migrated="$(grep -o 'Migrated [0-9]* objects\?' "$work/$name.migrate.log" | grep -o '[0-9]*')"
    line+=" migrated $migrated ($(python3 -c "print(f'{$EPOCHREALTIME - $t0:.1f}')")s);"
    cp "$pv/provision.tfstate" "$work/$name.migrated.json"

    set +e
    "$provision" -C "$pv" plan -detailed-exitcode "${args[@]}" >"$work/$name.plan1.log" 2>&1
    first=$?
    set -e
    line+=" first plan exit $first ($(summary "$work/$name.plan1.log"));"
    # Terraform just applied this configuration: any change the first plan shows is an artefact.
    [[ $first -ne 0 ]] && ok=0
    if [[ $first -eq 2 ]]; then
        echo "   the first plan shows:" >&2
        grep -E '^  # ' "$work/$name.plan1.log" | sed 's/^/   /' >&2 || true
    fi

    set +e
    "$provision" -C "$pv" apply -auto-approve "${args[@]}" >"$work/$name.apply.log" 2>&1
    applied=$?
    "$provision" -C "$pv" plan -detailed-exitcode "${args[@]}" >"$work/$name.plan2.log" 2>&1
    second=$?
    set -e
    line+=" apply exit $applied; second plan exit $second ($(summary "$work/$name.plan2.log"));"
    [[ $applied -ne 0 || $second -ne 0 ]] && ok=0
    if [[ $second -ne 0 ]]; then
        grep -E '^  # |^ +[~+-] ' "$work/$name.plan2.log" | head -n 40 | sed 's/^/   /' >&2 || true
    fi

    # Every object keeps its id: Terraform's (mapped) after the migration, and the same after apply.
    ids="$(python3 - "$tf/terraform.tfstate" "$work/$name.migrated.json" "$pv/provision.tfstate" <<'PY'
import json, sys
tf, migrated, now = (json.load(open(p)) for p in sys.argv[1:])
def addr(r, i):
    a = (r["module"] + "." if r.get("module") else "") + r["type"] + "." + r["name"]
    k = i.get("index_key")
    if k is not None:
        a += "[%s]" % (json.dumps(k) if isinstance(k, str) else k)
    return a
tf_ids = {addr(r, i): i["attributes"].get("id") for r in tf["resources"] if r["mode"] == "managed" for i in r["instances"]}
at_migration = {o["address"]: o["id"] for o in migrated["resources"]}
after = {o["address"]: o["id"] for o in now["resources"]}
missing = sorted(set(tf_ids) - set(at_migration))
changed = sorted(a for a in at_migration if after.get(a) != at_migration[a])
mapped = sorted(a for a in at_migration if at_migration[a] != tf_ids.get(a))
print("ok" if not missing and not changed else "FAILED", end="")
print(f": {len(at_migration)} ids, {len(at_migration) - len(mapped)} as Terraform's, {len(mapped)} mapped", end="")
for a in mapped:
    print(f" [{a}: {tf_ids.get(a)} -> {at_migration[a]}]", end="")
if missing:
    print(f"; not migrated: {', '.join(missing)}", end="")
if changed:
    print(f"; changed by apply: {', '.join(changed)}", end="")
PY
)"
    line+=" ids $ids;"
    [[ "$ids" == ok* ]] || ok=0
    after="$(sha256sum "$tf/terraform.tfstate" | cut -d' ' -f1)"
    if [[ "$before" == "$after" ]]; then line+=" terraform state unchanged;"; else line+=" TERRAFORM STATE CHANGED;"; ok=0; fi

    set +e
    "$provision" -C "$pv" destroy -auto-approve "${args[@]}" >"$work/$name.destroy.log" 2>&1
    destroyed=$?
    set -e
    line+=" destroy exit $destroyed ($(grep -o 'Destroy complete! Resources: [0-9]* destroyed' "$work/$name.destroy.log" || true))"
    [[ $destroyed -ne 0 ]] && ok=0
    if [[ $ok == 1 ]]; then results+=("PASS $line"); else results+=("FAIL $line"); failed=1; fi
    echo "   ${results[-1]}" >&2
    stop_moto
    # The provider plugin Terraform installed for this example is the bulk of its directory.
    [[ "${CHECK_KEEP:-0}" == 1 ]] || rm -rf "$tf/.terraform"
done

echo
printf '%s\n' "${results[@]}"
exit "$failed"
