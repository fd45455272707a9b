#!/usr/bin/env bash
# Runs every fuzz target for a set time (default 600 seconds each), one after another.
#
#   fuzz/run.sh            # all targets, 10 minutes each
#   fuzz/run.sh 60 dose    # one target, one minute
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain the script sets
# RUSTC_BOOTSTRAP=1, which lets cargo-fuzz use the sanitizer flags it needs. New inputs
# go to a scratch corpus (fuzz/work/, not committed); the committed seeds in
# fuzz/corpus/ are read, never written. A crash is saved under fuzz/artifacts/<target>/
# and stops the script with a non-zero status: turn it into a regression test, fix it,
# and run again.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(dose protocol patient journal conditions)
fi
if ! rustc --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi
for target in "${targets[@]}"; do
  mkdir -p "work/$target" "corpus/$target"
  echo "== $target: ${seconds}s"
  set +e
  cargo fuzz run "$target" "work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    > "work/$target.log" 2>&1
  status=$?
  set -e
  grep -E "^(Done|stat::|==[0-9]+==|SUMMARY)" "work/$target.log" || true
  if [ "$status" -ne 0 ]; then
    echo "$target: crashed; see fuzz/artifacts/$target/ and fuzz/work/$target.log" >&2
    exit 1
  fi
done
