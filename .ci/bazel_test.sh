#!/usr/bin/env bash
# Runs every test under Bazel, offline: `bazel test //...` with the project's
# virtualenv (.venv/, made first by the README's install-and-test line).
#
#   .ci/bazel_test.sh                          # all tests
#   .ci/bazel_test.sh //:aiqn_tf/losses_test   # some targets
#   .ci/bazel_test.sh --cache_test_results=auto //...   # extra flags, too
#
# Installs Debian's bazel-bootstrap (Bazel 4) when there is no `bazel`. Test
# results are never taken from Bazel's cache unless asked: Bazel does not see
# what is installed in .venv/. Exits non-zero when any test fails (or a
# layer imports a layer outside its BUILD deps: see tools/layers.bzl), and
# stops the Bazel server at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ ! -x "$root/.venv/bin/python3" ]; then
  echo "bazel_test.sh: no virtualenv at $root/.venv; make it first with the" >&2
  echo "README's install line: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" >&2
  exit 1
fi

if ! command -v bazel >/dev/null 2>&1; then
  echo "bazel_test.sh: installing bazel-bootstrap (Debian's Bazel 4)" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "bazel_test.sh: no bazel, and not root to install bazel-bootstrap" >&2
      exit 1
    fi
  fi
  apt_log=$(mktemp)
  if ! { $sudo apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bazel-bootstrap; } \
       >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    echo "bazel_test.sh: could not install bazel-bootstrap" >&2
    exit 1
  fi
  rm -f "$apt_log"
fi

# Targets: //... unless some are given among the arguments.
targets=("//...")
for arg in "$@"; do
  case "$arg" in -*) ;; *) targets=() ;; esac
done

log=$(mktemp)
stop() {
  status=$?
  bazel shutdown >/dev/null 2>&1 || true
  rm -f "$log"
  exit "$status"
}
trap stop EXIT

# The venv first on PATH too (Python that tests start by name, and Bazel's
# Python stub); the interpreter itself comes from third_party/bazel/python.
set +e
PATH="$root/.venv/bin:$PATH" bazel test \
  --test_output=errors \
  --jobs=2 \
  --local_test_jobs=2 \
  --local_cpu_resources=2 \
  --nocache_test_results \
  --color=no \
  --curses=no \
  --show_progress_rate_limit=30 \
  "$@" "${targets[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# One closing line with the counts, from Bazel's per-target summary.
passed=$(grep -Ec '^//[^ ]+ +(\(cached\) )?(PASSED|FLAKY)' "$log" || true)
failed=$(grep -Ec '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|INCOMPLETE|NO STATUS|REMOTE FAILURE|FAILED TO BUILD)' "$log" || true)
echo "bazel: $passed passed, $failed failed"
if [ "$rc" -ne 0 ]; then
  echo "bazel_test.sh: bazel test exited $rc" >&2
fi
exit "$rc"
