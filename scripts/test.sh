#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: setup (packages, Node.js, npm ci), build and type-check,
# the import layering, every test. Ends with "N passed, N failed" from tap's own counts, so a run that
# tested nothing is visible.
# Extra arguments go to tap (e.g. a single file: npm test -- dist/test/proxy/forwarding.test.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# The node setup chose (fetched if need be), first on PATH for tap and every process the tests start.
# shellcheck source=scripts/node.sh
. scripts/node.sh

# The layer order of docs/architecture.md: an import that goes up a layer, or a circle, fails the run.
if ! node scripts/check-layers.mjs; then
  echo "0 passed, 1 failed"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npx --no-install tap --reporter=terse --no-color "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1 || true)
if [ -z "$summary" ]; then
  echo "tap printed no summary: the run did not complete"
  echo "0 passed, 1 failed"
  exit 1
fi
pass=$(sed -E 's/.*pass: ([0-9]+).*/\1/' <<<"$summary")
fail=$(grep -oE 'fail: [0-9]+' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
echo "$pass passed, $fail failed"
if [ "$pass" -eq 0 ]; then exit 1; fi
exit "$status"
