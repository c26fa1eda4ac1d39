#!/usr/bin/env bash
# Cold and warm build and test times of one or more commits, each in a worktree of its own with a
# target directory of its own (issue 11 asks for them before and after the reshape: the commit
# before the test binaries were merged is 527ccb2, seventeen test binaries; acfe247 has one).
#
#   scripts/measure-build-times.sh 527ccb2 acfe247 [more revisions]
#
# Run it on a quiet machine: it builds every revision from nothing (about 20 minutes each on two
# cores) and prints wall, user and system seconds of: the cold build of the workspace with its tests,
# a rebuild after touching portal-web, a rebuild after touching billing-core, and the test run.
# The test run needs what scripts/test-all.sh provides (PostgreSQL and the test peers' variables).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${MEASURE_DIR:-$HOME/.cache/measure-build-times}"
TIMEFORMAT='%R s wall, %U s user, %S s sys'
mkdir -p "$work"
for rev in "$@"; do
  wt="$work/wt-$rev"
  export CARGO_TARGET_DIR="$work/target-$rev"
  rm -rf "$CARGO_TARGET_DIR"
  [ -d "$wt" ] || git -C "$repo" worktree add --detach "$wt" "$rev" >/dev/null
  cd "$wt"
  echo "== $rev ($(git log --format=%s -1 | cut -c1-60)), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo -n "cold build:                       "; { time cargo build --locked --workspace --all-targets -q >/dev/null 2>&1; } 2>&1
  touch portal-web/src/lib.rs
  echo -n "rebuild after touching portal-web: "; { time cargo build --locked --workspace --all-targets -q >/dev/null 2>&1; } 2>&1
  touch billing-core/src/lib.rs
  echo -n "rebuild after touching billing-core:"; { time cargo build --locked --workspace --all-targets -q >/dev/null 2>&1; } 2>&1
  echo -n "test run:                         "; { time cargo test --locked --workspace --no-fail-fast >"$work/test-$rev.log" 2>&1 || true; } 2>&1
  echo "  test targets: $(grep -c '^test result' "$work/test-$rev.log"), passed $(grep -o '[0-9]* passed' "$work/test-$rev.log" | awk '{s+=$1} END {print s+0}'), failed $(grep -o '[0-9]* failed' "$work/test-$rev.log" | awk '{s+=$1} END {print s+0}')"
  cd "$repo"; git worktree remove --force "$wt"; rm -rf "$CARGO_TARGET_DIR"
done
