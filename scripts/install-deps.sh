#!/usr/bin/env bash
# Installs everything ddbcrypt needs to build and run its tests on Debian 12, and nothing when it
# is all there already (so scripts/test.sh and scripts/demo.sh can call it every time):
#   - Debian packages: compiler, CMake/Ninja, OpenSSL, curl, simdjson, CLI11, GoogleTest,
#     Google Benchmark, a Java runtime and Maven (for DynamoDB Local), Python's venv module;
#   - a Python virtualenv in .venv/ with the reference libraries and moto (scripts/requirements*.txt);
#   - DynamoDB Local and its native sqlite4java library from Maven Central, in .cache/dynamodb-local/.
# Uses sudo only when not run as root. Environment: PYTHON (interpreter for the venv, default
# python3), DDBCRYPT_CACHE_DIR (default <repo>/.cache), DDBCRYPT_SKIP_APT=1 to leave apt alone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${DDBCRYPT_CACHE_DIR:-$root/.cache}"
venv_dir="$root/.venv"

log() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || die "not root and sudo is missing"
  sudo_cmd=(sudo)
fi

# --- Debian packages --------------------------------------------------------------------------
apt_packages=(
  build-essential g++ cmake ninja-build pkg-config ccache
  libssl-dev libcurl4-openssl-dev zlib1g-dev libsimdjson-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openjdk-17-jre-headless maven
  python3 python3-venv python3-pip
  ca-certificates curl procps
)

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

if [[ "${DDBCRYPT_SKIP_APT:-0}" != 1 ]]; then
  command -v dpkg-query >/dev/null || die "this script expects a Debian-based system (no dpkg-query)"
  missing=()
  for pkg in "${apt_packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "Debian packages present (${#apt_packages[@]})"
  fi
fi

# DynamoDB Local 2.6 needs Java 17 or later.
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ -n "$java_major" && "${java_major%%.*}" -ge 17 ]] ||
  die "java 17 or later is needed on PATH for DynamoDB Local (found '${java_major:-none}')"

# --- Python virtualenv ------------------------------------------------------------------------
# The stamp holds the hash of the requirement files, so the venv is only touched when they change.
python="${PYTHON:-python3}"
req="$root/scripts/requirements.txt"
constraints="$root/scripts/requirements.lock"
want_stamp="$(cat "$req" "$constraints" | sha256sum | cut -d' ' -f1)"
stamp_file="$venv_dir/.ddbcrypt-stamp"
if [[ -x "$venv_dir/bin/python" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$want_stamp" ]] &&
   "$venv_dir/bin/python" -c 'import dynamodb_encryption_sdk, moto, pydynox, boto3, pytest' 2>/dev/null; then
  log "Python venv up to date ($venv_dir)"
else
  log "setting up the Python venv in $venv_dir"
  if [[ ! -x "$venv_dir/bin/python" ]]; then
    rm -rf "$venv_dir"
    "$python" -m venv "$venv_dir"
  fi
  "$venv_dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req" -c "$constraints"
  echo "$want_stamp" > "$stamp_file"
fi

# --- DynamoDB Local ---------------------------------------------------------------------------
# Fetched through Maven so the jar's whole dependency set, including sqlite4java's native
# libraries (artifacts of type so/dll/dylib), lands in one directory with stable file names.
ddb_pom="$root/scripts/dynamodb-local/pom.xml"
ddb_dir="$cache_dir/dynamodb-local"
ddb_stamp="$(sha256sum "$ddb_pom" | cut -d' ' -f1)"
if [[ -f "$ddb_dir/lib/DynamoDBLocal.jar" && -f "$ddb_dir/lib/libsqlite4java-linux-amd64.so" &&
      "$(cat "$ddb_dir/.stamp" 2>/dev/null)" == "$ddb_stamp" ]]; then
  log "DynamoDB Local present ($ddb_dir)"
else
  log "fetching DynamoDB Local from Maven Central into $ddb_dir"
  mkdir -p "$ddb_dir"
  rm -rf "$ddb_dir/lib.tmp"
  if ! mvn_out="$(mvn -B -q -f "$ddb_pom" dependency:copy-dependencies \
        -DoutputDirectory="$ddb_dir/lib.tmp" -DincludeScope=runtime -Dmdep.stripVersion=true 2>&1)"; then
    printf '%s\n' "$mvn_out" >&2
    die "Maven could not fetch DynamoDB Local"
  fi
  [[ -f "$ddb_dir/lib.tmp/DynamoDBLocal.jar" ]] || die "Maven ran but DynamoDBLocal.jar is missing"
  rm -rf "$ddb_dir/lib"
  mv "$ddb_dir/lib.tmp" "$ddb_dir/lib"
  echo "$ddb_stamp" > "$ddb_dir/.stamp"
fi

log "ok"
