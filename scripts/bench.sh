#!/usr/bin/env bash
# Every figure in BENCHMARKS.md, in one run on one machine, so the ratios
# between them mean something on a noisy host. Prints to stdout; paste into
# BENCHMARKS.md with the date and `nproc`.
#   scripts/bench.sh            # everything (about 5 minutes)
#   IDLE=600 scripts/bench.sh   # with the 10-minute idle measurement
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(go version | cut -d' ' -f3)"
echo "## Go benchmarks (go test -bench, no -race)"
go test -tags "demo${KEYRELAY_BUILD_TAGS:+,$KEYRELAY_BUILD_TAGS}" -run '^$' -bench . -benchtime 3s -count 1 ./internal/ws/ ./internal/sqlite/ ./internal/web/ ./internal/goq/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
go test -tags "demo${KEYRELAY_BUILD_TAGS:+,$KEYRELAY_BUILD_TAGS}" -run '^$' -bench Burst -benchtime 1x -count 1 ./internal/outbox/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
go test -tags "demo${KEYRELAY_BUILD_TAGS:+,$KEYRELAY_BUILD_TAGS}" -run '^$' -bench CaptureToVerified -benchtime 300x -count 1 ./internal/outbox/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
echo "## Real Chromium (e2e)"
go test -tags "demo${KEYRELAY_BUILD_TAGS:+,$KEYRELAY_BUILD_TAGS}" -run '^$' -bench . -benchtime 30x -count 1 ./e2e/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|\s+bench)'
echo "## Process"
scripts/bench-process.sh "${IDLE:-60}"
