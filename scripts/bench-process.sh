#!/usr/bin/env bash
# Process-level figures for BENCHMARKS.md: start-to-listening time (beside a
# bare process start of the same binary, measured in the same run), and idle
# RSS and CPU after IDLE seconds (default 60).
#   scripts/bench-process.sh [IDLE_SECONDS] [extra run flags…]
# With a desktop (DISPLAY + a StatusNotifier host) run it under
#   xvfb-run dbus-run-session -- scripts/bench-process.sh 600 --log-level warn
# to measure with the tray; by default the helper runs with --no-tray.
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-60}; shift || true
extra=("$@")
[ ${#extra[@]} -eq 0 ] && extra=(--no-tray)
bin=$(mktemp -d)/keyrelay
go build -tags "${TAGS:-$(make -s print-tags)}" -o "$bin" ./helper
now_ns() { date +%s%N; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# answers: the helper served an HTTP response (not just a bound socket).
answers() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /static/style.css HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3 && head -c 12 <&3 | grep -q 'HTTP/1') 2>/dev/null
}

runs=10
base_total=0; listen_total=0; listen_max=0
for i in $(seq $runs); do
	t0=$(now_ns); "$bin" version >/dev/null; t1=$(now_ns)
	base_total=$((base_total + t1 - t0))
	dir=$(mktemp -d); port=$((30000 + RANDOM % 20000))
	t0=$(now_ns)
	KEYRELAY_KEYRING=file "$bin" run --no-tray --addr 127.0.0.1:$port --data-dir "$dir" --log-level error &
	pid=$!
	until answers $port; do sleep 0.002; done
	t1=$(now_ns)
	kill -TERM $pid; wait $pid || true
	d=$((t1 - t0)); listen_total=$((listen_total + d)); [ $d -gt $listen_max ] && listen_max=$d
	rm -rf "$dir"
done
echo "process start (keyrelay version), mean of $runs: $((base_total / runs / 1000000)) ms"
echo "start to first HTTP answer (fresh data dir: key file, migrations), mean of $runs: $((listen_total / runs / 1000000)) ms, max $((listen_max / 1000000)) ms"
echo "ratio first answer/process start: $(awk "BEGIN{printf \"%.1f\", $listen_total/$base_total}")"

dir=$(mktemp -d); port=$((30000 + RANDOM % 20000))
KEYRELAY_KEYRING=file "$bin" run --addr 127.0.0.1:$port --data-dir "$dir" --log-level warn "${extra[@]}" &
pid=$!
until port_open $port; do sleep 0.01; done
tick=$(getconf CLK_TCK)
read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
sleep "$idle"
read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
cpu_ms=$(( (u1 + s1 - u0 - s0) * 1000 / tick ))
echo "idle ${idle}s (${extra[*]}): RSS ${rss} kB (peak ${hwm} kB), CPU ${cpu_ms} ms = $(awk "BEGIN{printf \"%.3f\", $cpu_ms/($idle*10)}")% of one core"
kill -TERM $pid; wait $pid || true
rm -rf "$dir"
