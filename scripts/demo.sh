#!/usr/bin/env bash
# The ddbcrypt demo, end to end on this machine: installs what is needed, builds the CLI, then
# for each offline materials provider (static AES+HMAC, wrapped AES, wrapped RSA) generates
# fresh keys, encrypts the sample orders in examples/data/orders.jsonl with mixed attribute
# actions, shows an item as DynamoDB would store it and as it reads back, and checks that every
# item decrypts to exactly what went in. Then, against local stand-ins it starts itself
# (DynamoDB Local and moto's KMS on free loopback ports, stopped at the end): a KMS key, an
# Orders table written through the encrypted client with Direct KMS materials, the raw stored
# form next to what reads back, and the typed model layer's `User` with an encrypted `ssn`
# (examples/field_encryption.cc) and the encrypted table example. Output files go to out/demo/
# (keys are secret: the materials files are created readable by their owner only).
#
# DDBCRYPT_DEMO_OFFLINE=1 skips the part with the stand-ins.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${DDBCRYPT_JOBS:-2}"
out="$root/out/demo"
data="$root/examples/data/orders.jsonl"
cli="$root/build/ddbcrypt"
py="$root/.venv/bin/python"

if [[ -t 1 ]]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi

# ---- against the local stand-ins --------------------------------------------------------------
# Runs under tests/standins/standins.py, which exports the stand-ins' endpoints and dummy
# credentials (nothing here can reach AWS).
online_demo() {
  export AWS_ENDPOINT_URL_DYNAMODB="$DDBCRYPT_TEST_DYNAMODB_ENDPOINT"
  export AWS_ENDPOINT_URL_KMS="$DDBCRYPT_TEST_KMS_ENDPOINT"
  local table=DemoOrders
  local action_args=(--default-action encrypt --action customer_id=sign --action order_id=sign
                     --action status=sign --action updated_at=nothing)
  say "stand-ins: DynamoDB Local at $AWS_ENDPOINT_URL_DYNAMODB, moto KMS at $AWS_ENDPOINT_URL_KMS"
  "$py" - "$table" <<'PYEOF'
import os, sys, boto3
table = sys.argv[1]
kms = boto3.client("kms", endpoint_url=os.environ["AWS_ENDPOINT_URL_KMS"])
key = kms.create_key(Description="ddbcrypt demo")["KeyMetadata"]
kms.create_alias(AliasName="alias/ddbcrypt-demo", TargetKeyId=key["KeyId"])
print("KMS key %s as alias/ddbcrypt-demo" % key["Arn"])
ddb = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "customer_id", "AttributeType": "S"},
                                       {"AttributeName": "order_id", "AttributeType": "N"}],
                 KeySchema=[{"AttributeName": "customer_id", "KeyType": "HASH"},
                            {"AttributeName": "order_id", "KeyType": "RANGE"}])
print("table %s created" % table)
PYEOF
  local materials="$out/kms-materials.json"
  printf '{"provider": "aws-kms", "key_id": "alias/ddbcrypt-demo"}\n' > "$materials"
  say "Direct KMS: write the $(wc -l < "$data") orders through the encrypted client (ddbcrypt put)"
  "$cli" put --table "$table" --materials "$materials" "${action_args[@]}" < "$data"
  say "Direct KMS: the first order as DynamoDB holds it (read with a plain client)"
  "$py" - "$table" "$out/kms-raw.jsonl" <<'PYEOF'
import base64, json, os, sys, boto3
ddb = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
items = ddb.scan(TableName=sys.argv[1], ConsistentRead=True)["Items"]
def plain(v):
    # boto3 hands binary back as bytes; DynamoDB-JSON spells it as base64.
    (k, x), = v.items()
    if k == "B":
        return {"B": base64.b64encode(x).decode()}
    if k == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in x]}
    if k == "M":
        return {"M": {n: plain(m) for n, m in x.items()}}
    if k == "L":
        return {"L": [plain(m) for m in x]}
    return {k: x}
with open(sys.argv[2], "w") as f:
    for item in sorted(items, key=lambda i: (i["customer_id"]["S"], int(i["order_id"]["N"]))):
        f.write(json.dumps({n: plain(v) for n, v in item.items()}) + "\n")
PYEOF
  "$py" scripts/itemtool.py show "$out/kms-raw.jsonl" --line 1
  local key
  key="$("$py" -c 'import json,sys; i=json.loads(open(sys.argv[1]).readline()); print(json.dumps({"customer_id": i["customer_id"], "order_id": i["order_id"]}))' "$out/kms-raw.jsonl")"
  say "Direct KMS: the same order read back (ddbcrypt get --key ...)"
  "$cli" get --table "$table" --materials "$materials" "${action_args[@]}" --key "$key" \
    > "$out/kms-get.jsonl"
  "$py" scripts/itemtool.py show "$out/kms-get.jsonl" --line 1
  say "Direct KMS: scan the whole table, verify and decrypt every item"
  "$cli" scan --table "$table" --materials "$materials" "${action_args[@]}" > "$out/kms-scan.jsonl"
  printf 'round trip: '
  "$py" scripts/itemtool.py same --any-order "$data" "$out/kms-scan.jsonl"

  say "typed models: a User with an encrypted ssn, three services, a tenant context"
  build/examples/example_field_encryption
  say "encrypted table: projections, refused filters, a safe update"
  build/examples/example_encrypted_table
}

if [[ "${1:-}" == --online ]]; then
  online_demo
  exit $?
fi

if [[ "${DDBCRYPT_SKIP_DEPS:-0}" != 1 ]]; then
  say "installing dependencies (fast when already present)"
  scripts/install-deps.sh
fi

say "building the ddbcrypt CLI (build/)"
if [[ -f build/CMakeCache.txt ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' build/CMakeCache.txt; then
  rm -rf build
fi
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" > /dev/null
cmake --build build -j "$jobs" --target ddbcrypt_cli example_field_encryption \
  example_encrypted_table > /dev/null
echo "built $cli"


rm -rf "$out"
mkdir -p "$out"
umask 077

# The table's key attributes must stay readable (DynamoDB indexes them), so they are signed
# only; the status is signed so it cannot be changed unnoticed; the timestamp is left alone;
# everything else is encrypted and signed.
table=Orders
key_args=(--table "$table" --partition-key customer_id --sort-key order_id)
action_args=(--default-action encrypt --action customer_id=sign --action order_id=sign
             --action status=sign --action updated_at=nothing)

say "sample input: $(wc -l < "$data") orders, first one in plaintext"
"$py" scripts/itemtool.py show "$data" --line 1

for kind in static wrapped-aes wrapped-rsa; do
  materials="$out/$kind-materials.json"
  say "$kind: new keys -> ${materials#"$root"/}"
  "$cli" keygen --kind "$kind" --out "$materials"
  "$py" - "$materials" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
roles = ", ".join("%s=%s %s" % (r, k["algorithm"], k["type"]) for r, k in sorted(m["keys"].items()))
print("provider %s; keys: %s (key material not shown)" % (m["provider"], roles))
EOF

  "$cli" encrypt --materials "$materials" "${key_args[@]}" "${action_args[@]}" \
    < "$data" > "$out/$kind-stored.jsonl"
  say "$kind: the first order as stored in DynamoDB (long values clipped)"
  "$py" scripts/itemtool.py show "$out/$kind-stored.jsonl" --line 1

  "$cli" decrypt --materials "$materials" "${key_args[@]}" "${action_args[@]}" \
    < "$out/$kind-stored.jsonl" > "$out/$kind-decrypted.jsonl"
  say "$kind: the first order decrypted and verified"
  "$py" scripts/itemtool.py show "$out/$kind-decrypted.jsonl" --line 1
  printf 'round trip: '
  "$py" scripts/itemtool.py same "$data" "$out/$kind-decrypted.jsonl"
done

say "tampering: change one signed attribute of a stored item and decrypt again"
"$py" - "$out/static-stored.jsonl" "$out/static-tampered.jsonl" <<'EOF'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
items[0]["status"] = {"S": "refunded"}
with open(sys.argv[2], "w") as f:
    f.writelines(json.dumps(i) + "\n" for i in items)
EOF
if "$cli" decrypt --materials "$out/static-materials.json" "${key_args[@]}" "${action_args[@]}" \
    < "$out/static-tampered.jsonl" > /dev/null 2> "$out/tampered.err"; then
  echo "unexpected: the tampered item decrypted" >&2
  exit 1
fi
echo "refused as expected: $(head -n 1 "$out/tampered.err")"

if [[ "${DDBCRYPT_DEMO_OFFLINE:-0}" != 1 ]]; then
  say "starting the local stand-ins (DynamoDB Local, moto)"
  "$py" tests/standins/standins.py run --timeout 600 -- "$root/scripts/demo.sh" --online
fi

say "done: files in ${out#"$root"/}"
