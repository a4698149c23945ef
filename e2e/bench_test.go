//go:build demo

package e2e_test

import (
	"fmt"
	"slices"
	"testing"

	"keyrelay/internal/fakes/rms"
)

// Benchmarks for BENCHMARKS.md, in real Chromium with the real helper:
//
//	go test ./e2e -run '^$' -bench . -benchtime 30x
//
// Times are taken inside the service worker (performance.now()), so CDP's
// own round trip is not counted.

// BenchmarkCaptureToStored: from keyrelayCapture(tabId) (the capture
// button's path) to the helper's capture_ack, one revealed page captured b.N
// times.
func BenchmarkCaptureToStored(b *testing.B) {
	e := newEnv(b, envOptions{RMS: currentOptions(), Paired: true})
	tb := e.b.openTab(b, rms.DetailURL(rms.GoQApp))
	tb.revealAsOperator(b)
	expr := fmt.Sprintf(`(async () => { const t0 = performance.now(); const r = await keyrelayCapture(%d); return {status: r.status, ms: performance.now() - t0}; })()`, tb.id)
	type timed struct {
		Status string  `json:"status"`
		Ms     float64 `json:"ms"`
	}
	var ms []float64
	b.ResetTimer()
	for range b.N {
		r := mustSW[timed](b, e.b, expr)
		if r.Status != "stored" {
			b.Fatalf("capture %d: status %q", len(ms)+1, r.Status)
		}
		ms = append(ms, r.Ms)
	}
	b.StopTimer()
	report(b, "capture→stored", ms)
}

// BenchmarkParse: the content script's own parse time (parseMs) and the
// whole keyrelayDetect round trip, per page kind.
func BenchmarkParse(b *testing.B) {
	e := newEnv(b, envOptions{Paired: true})
	for _, p := range []struct {
		kind   string
		url    string
		reveal bool
	}{
		{"app_list", rms.AppListURL(), false},
		{"license_masked", rms.DetailURL(rms.ShopApp), false},
		{"license_revealed", rms.DetailURL(rms.ShopApp), true},
		{"license_update_pending", rms.DetailURL(rms.GoQApp), true},
		{"other", rms.ServiceListURL(), false},
	} {
		b.Run(p.kind, func(b *testing.B) {
			tb := e.b.openTab(b, p.url)
			if p.reveal {
				tb.revealAsOperator(b)
			}
			expr := fmt.Sprintf(`(async () => { const t0 = performance.now(); const d = await keyrelayDetect(%d); return {kind: d.kind, parseMs: d.parseMs, ms: performance.now() - t0}; })()`, tb.id)
			type timed struct {
				Kind    string  `json:"kind"`
				ParseMs float64 `json:"parseMs"`
				Ms      float64 `json:"ms"`
			}
			var parse, round []float64
			b.ResetTimer()
			for range b.N {
				r := mustSW[timed](b, e.b, expr)
				if r.Kind != p.kind {
					b.Fatalf("kind %q, want %q", r.Kind, p.kind)
				}
				parse = append(parse, r.ParseMs)
				round = append(round, r.Ms)
			}
			b.StopTimer()
			report(b, p.kind+" parse", parse)
			report(b, p.kind+" detect", round)
		})
	}
}

// report prints p50/p95 and records them as benchmark metrics.
func report(b *testing.B, what string, ms []float64) {
	b.Helper()
	if len(ms) == 0 {
		return
	}
	p50, p95 := percentile(ms, 50), percentile(ms, 95)
	b.Logf("%s over %d: p50 %.1f ms, p95 %.1f ms, max %.1f ms", what, len(ms), p50, p95, slices.Max(ms))
	unit := func(p string) string { return what + "-" + p + "-ms" }
	b.ReportMetric(p50, sanitize(unit("p50")))
	b.ReportMetric(p95, sanitize(unit("p95")))
	b.ReportMetric(0, "ns/op") // wall time per op would count CDP; the metrics above are the figures
}

func percentile(ms []float64, p int) float64 {
	s := slices.Clone(ms)
	slices.Sort(s)
	i := (p*len(s) + 99) / 100 // nearest rank
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

// sanitize makes a metric unit without spaces (go test's output format).
func sanitize(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == ' ' || r == '→' {
			r = '_'
		}
		out = append(out, r)
	}
	return string(out)
}
