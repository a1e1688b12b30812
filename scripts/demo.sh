#!/usr/bin/env bash
# The ddbcrypt demo, end to end on this machine: installs what is needed, builds the CLI, then
# for each offline materials provider (static AES+HMAC, wrapped AES, wrapped RSA) generates
# fresh keys, encrypts the sample orders in examples/data/orders.jsonl with mixed attribute
# actions, shows an item as DynamoDB would store it and as it reads back, and checks that every
# item decrypts to exactly what went in. Output files go to out/demo/ (keys are secret: the
# materials files are created readable by their owner only).
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
cmake --build build -j "$jobs" --target ddbcrypt_cli > /dev/null
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

say "done: files in ${out#"$root"/}"
