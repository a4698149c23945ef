#!/usr/bin/env bash
# Every figure in BENCHMARKS.md, in one run on one machine, so the ratios
# between them mean something on a noisy host. Prints to stdout; keep the
# output in docs/bench-YYYY-MM-DD.txt. On a shared machine run it under the
# e2e lock so no browser test runs meanwhile:
#   flock /tmp/keyrelay-e2e.lock make bench
#   scripts/bench.sh            # everything (about 6 minutes)
#   IDLE=600 scripts/bench.sh   # with the 10-minute idle measurement
set -euo pipefail
cd "$(dirname "$0")/.."
# The build tags live in the Makefile only.
TAGS=${TAGS:-$(make -s print-tags)}
export TAGS
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(go version | cut -d' ' -f3), tags: $TAGS"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); other processes on the machine add noise to absolute times"
echo "## Goals of issue 11: the real helper binary beside bare baselines (go run ./perf)"
go run -tags "$TAGS" ./perf
echo "## Go benchmarks (go test -bench, no -race)"
go test -tags "demo,${TAGS// /,}" -run '^$' -bench . -benchtime 3s -count 1 ./internal/ws/ ./internal/sqlite/ ./internal/web/ ./internal/goq/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
go test -tags "demo,${TAGS// /,}" -run '^$' -bench Burst -benchtime 1x -count 1 ./internal/outbox/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
go test -tags "demo,${TAGS// /,}" -run '^$' -bench CaptureToVerified -benchtime 300x -count 1 ./internal/outbox/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
echo "## Real Chromium (e2e): click → stored"
go test -tags "demo,${TAGS// /,}" -run '^$' -bench . -benchtime 30x -count 1 ./e2e/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|\s+bench)'
echo "## Process"
scripts/bench-process.sh "${IDLE:-60}"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
