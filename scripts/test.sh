#!/usr/bin/env bash
# Runs every test of ddbcrypt, from a fresh Debian 12 machine or a working tree:
#   1. scripts/install-deps.sh (Debian packages, .venv, DynamoDB Local; fast when present)
#   2. configure and build build/ (RelWithDebInfo, Ninja)
#   3. unit tests (ctest -L unit)
#   4. the reference libraries' encrypted-item vectors through the CLI (ddbcrypt vectors run),
#      and the installed CMake package used by an outside project (tests/package)
#   5. with the local stand-ins (DynamoDB Local, moto, fault proxy) started once:
#      stand-in tests (ctest -L standins) and the Python suites (tests/interop, tests/standins:
#      live interop with the reference Python library, the fault proxy's own tests)
#   6. an ASan+UBSan build in build-asan/ and the unit tests and vectors under it
# Prints one line per step and exits non-zero if any step failed.
#
# Environment: DDBCRYPT_JOBS (parallel jobs, default 2), DDBCRYPT_SKIP_DEPS=1 (skip step 1),
# DDBCRYPT_SKIP_ASAN=1 (skip step 6, for quick local runs; CI never sets it).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${DDBCRYPT_JOBS:-2}"
venv_python="$root/.venv/bin/python"
vectors="tests/vectors/legacy/encrypted_item/scenarios.json"

# Steps append "STATUS<TAB>SECONDS<TAB>NAME" here; the stand-in steps run in a child process
# (under standins.py) and report through the same file.
if [[ "${1:-}" != --standin-steps ]]; then
  DDBCRYPT_TEST_RESULTS="$(mktemp -t ddbcrypt-test-results.XXXXXX)"
  export DDBCRYPT_TEST_RESULTS
  trap 'rm -f "$DDBCRYPT_TEST_RESULTS"' EXIT
fi

banner() { printf '\n==> %s\n' "$*"; }

# step NAME CMD... : runs CMD, records its result; returns CMD's status.
step() {
  local name="$1"
  shift
  banner "$name"
  local start=$SECONDS status
  "$@"
  status=$?
  local secs=$((SECONDS - start))
  if ((status == 0)); then
    printf 'PASS\t%d\t%s\n' "$secs" "$name" >> "$DDBCRYPT_TEST_RESULTS"
  else
    printf 'FAIL\t%d\t%s (exit %d)\n' "$secs" "$name" "$status" >> "$DDBCRYPT_TEST_RESULTS"
    printf '%s failed (exit %d)\n' "$name" "$status"
  fi
  return "$status"
}

not_run() {
  printf 'FAIL\t0\t%s (not run: %s)\n' "$1" "$2" >> "$DDBCRYPT_TEST_RESULTS"
}

# Runs a command with its output in a log file, shown only on failure (build logs are long).
quiet() {
  local log="$1"
  shift
  mkdir -p "$(dirname "$log")"
  if "$@" > "$log" 2>&1; then
    return 0
  else
    local status=$?
    tail -n 80 "$log"
    printf '(full log: %s)\n' "$log"
    return "$status"
  fi
}

# configure_and_build DIR [CMAKE_ARGS...]; DDBCRYPT_BUILD_TARGETS=unit builds only the CLI and
# the unit-test binaries (what the sanitizer run uses), not the stand-in test binaries.
configure_and_build() {
  local dir="$1"
  shift
  # A build directory made by another generator cannot be reused with Ninja.
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    rm -rf "$dir"
  fi
  local launcher=()
  if command -v ccache > /dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # Clones in different directories share cache entries.
    export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
  fi
  quiet "$dir/configure.log" cmake -S . -B "$dir" -G Ninja "${launcher[@]}" "$@" || return
  local targets=()
  if [[ "${DDBCRYPT_BUILD_TARGETS:-all}" == unit ]]; then
    targets=(--target ddbcrypt_cli $(ninja -C "$dir" -t targets all |
      sed -n 's/^\([a-z_]*_tests\): phony$/\1/p' | grep -vxE 'cmake_.*|integration_tests|interop_tests'))
  fi
  quiet "$dir/build.log" cmake --build "$dir" -j "$jobs" "${targets[@]}" &&
    printf 'built %s %s\n' "$dir" "${targets[*]}"
}

run_ctest() {
  local dir="$1" label="$2"
  shift 2
  ctest --test-dir "$dir" -L "$label" --output-on-failure --no-tests=error -j "$jobs" \
    --timeout 600 "$@"
}

# Installs build/ into a temporary prefix and builds and runs examples/item_encryptor.cc as an
# outside project that finds the package with find_package(ddbcrypt).
run_package_consumer() {
  local tmp
  tmp="$(mktemp -d -t ddbcrypt-package.XXXXXX)"
  cmake --install build --prefix "$tmp/prefix" > "$tmp/install.log" &&
    cmake -S tests/package -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DDDBCRYPT_CONSUMER_SOURCE="$root/examples/item_encryptor.cc" > "$tmp/configure.log" &&
    cmake --build "$tmp/consumer" > "$tmp/build.log" &&
    "$tmp/consumer/consumer" > "$tmp/run.log"
  local status=$?
  if ((status == 0)); then
    echo "installed to $tmp/prefix; find_package(ddbcrypt) consumer built and ran"
  else
    tail -n 40 "$tmp"/*.log
  fi
  rm -rf "$tmp"
  return "$status"
}

run_vectors() {
  local cli="$1"
  "$cli" vectors run "$vectors"
}

run_pytest() {
  DDBCRYPT_CLI="$root/build/ddbcrypt" timeout 1800 "$venv_python" -m pytest -q -rs \
    -p no:cacheprovider tests/interop tests/standins
}

# The part that runs under standins.py, with the stand-ins' endpoints in the environment.
standin_steps() {
  local status=0
  export DDBCRYPT_REQUIRE_STANDINS=1
  step "stand-in tests (ctest -L standins)" run_ctest build standins || status=1
  step "Python interop and stand-in suites (pytest)" run_pytest || status=1
  return "$status"
}

if [[ "${1:-}" == --standin-steps ]]; then
  standin_steps
  exit $?
fi

summary() {
  local passed failed
  printf '\n==> summary\n'
  while IFS=$'\t' read -r status secs name; do
    printf '  %s  %5ss  %s\n' "$status" "$secs" "$name"
  done < "$DDBCRYPT_TEST_RESULTS"
  passed=$(grep -c '^PASS' "$DDBCRYPT_TEST_RESULTS")
  failed=$(grep -c '^FAIL' "$DDBCRYPT_TEST_RESULTS")
  printf 'total time %ss\n' "$SECONDS"
  printf 'summary: %d passed, %d failed\n' "$passed" "$failed"
  ((failed == 0))
}

if [[ "${DDBCRYPT_SKIP_DEPS:-0}" != 1 ]]; then
  if ! step "install dependencies" scripts/install-deps.sh; then
    summary
    exit 1
  fi
fi

if step "build (build/, RelWithDebInfo)" configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  step "unit tests (ctest -L unit)" run_ctest build unit
  step "encrypted-item vectors (ddbcrypt vectors run)" run_vectors build/ddbcrypt
  step "installed package (find_package consumer)" run_package_consumer
  banner "starting the local stand-ins"
  "$venv_python" tests/standins/standins.py run --timeout 3600 -- "$root/scripts/test.sh" --standin-steps
  standins_status=$?
  if ((standins_status != 0)) && ! grep -q 'stand-in tests' "$DDBCRYPT_TEST_RESULTS"; then
    not_run "stand-in tests and Python suites" "the stand-ins did not start (exit $standins_status)"
  fi
else
  not_run "unit tests, vectors, stand-in tests, Python suites" "the build failed"
fi

if [[ "${DDBCRYPT_SKIP_ASAN:-0}" != 1 ]]; then
  export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  if DDBCRYPT_BUILD_TARGETS=unit step "ASan+UBSan build (build-asan/)" configure_and_build build-asan \
      -DCMAKE_BUILD_TYPE=Debug -DDDBCRYPT_SANITIZE=ON -DDDBCRYPT_BUILD_BENCHMARKS=OFF \
      -DDDBCRYPT_BUILD_EXAMPLES=OFF; then
    step "unit tests under ASan+UBSan" run_ctest build-asan unit
    step "encrypted-item vectors under ASan+UBSan" run_vectors build-asan/ddbcrypt
  else
    not_run "tests under ASan+UBSan" "the sanitizer build failed"
  fi
fi

summary
