//go:build demo

package outbox_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

// BenchmarkBurst commits 1,000 captures across 20 shops (each with its own
// fake GoQ on loopback) as fast as the store takes them, with the worker
// running, and measures until every one is delivered and verified. Apps are
// distinct so none is superseded: every capture is one real post.
var burstTimeout = flag.Duration("burst-timeout", 5*time.Minute, "how long BenchmarkBurst waits for every delivery")

func BenchmarkBurst(b *testing.B) {
	const shops, perShop = 20, 50
	for _, conc := range []int{4, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var elapsed time.Duration
			for range b.N {
				elapsed += burst(b, shops, perShop, conc)
			}
			b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/burst")
			b.ReportMetric(float64(shops*perShop*b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}

func burst(b *testing.B, shops, perShop, conc int) time.Duration {
	b.StopTimer()
	e := newEnv(b)
	e.db.Now = time.Now // retries must come due on their own
	var ss []*shop
	for i := range shops {
		s := e.newShop(i+1, fakegoq.Options{})
		e.setLogin(s)
		ss = append(ss, s)
	}
	w := e.worker()
	w.Now, w.Concurrency = time.Now, conc
	w.BaseBackoff, w.MaxBackoff = 50*time.Millisecond, 200*time.Millisecond
	stop := runWorker(b, w)
	defer stop()

	b.StartTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for j := g; j < shops*perShop; j += 4 {
				if _, _, err := e.tryCapture(ss[j%shops], fmt.Sprintf("GoQ System アプリ%d", j/shops)); err != nil {
					// A capture missing would look like a delivery lost.
					errs <- fmt.Errorf("capture %d: %w", j, err)
					return
				}
				w.Wake()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.Logf("captures committed after %v", time.Since(start))
	n := shops * perShop
	timeout := time.After(*burstTimeout)
	for delivered := 0; delivered < n; {
		select {
		case ev := <-e.events.final:
			if ev.Status != keyrelay.DeliveryDelivered {
				b.Fatalf("a delivery ended %s: %s", ev.Status, ev.DetailEn)
			}
			delivered++
		case <-timeout:
			b.Fatalf("%d of %d delivered after %v; %s", delivered, n, *burstTimeout, e.outboxSummary())
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()

	ds, err := e.deliveries.FindDeliveries(context.Background(), keyrelay.DeliveryFilter{Status: keyrelay.DeliveryDelivered, Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	if len(ds) != n {
		b.Fatalf("%d deliveries delivered, want %d", len(ds), n)
	}
	posts := 0
	for _, s := range ss {
		if got := s.goq.PostCount(); got != perShop {
			b.Errorf("shop %s: %d posts, want %d (0 duplicates)", s.ref.ID, got, perShop)
		}
		posts += s.goq.PostCount()
	}
	b.ReportMetric(float64(posts-n), "duplicates")
	return elapsed
}

// outboxSummary counts the deliveries by status and lists the unfinished
// ones, so a stuck burst says where it stuck.
func (e *env) outboxSummary() string {
	ds, err := e.deliveries.FindDeliveries(context.Background(), keyrelay.DeliveryFilter{Limit: 1000})
	if err != nil {
		return err.Error()
	}
	byStatus := map[string]int{}
	var open []string
	for _, d := range ds {
		byStatus[d.Status]++
		if !keyrelay.DeliveryFinal(d.Status) {
			open = append(open, fmt.Sprintf("%d:%s attempts=%d next=%s lease=%s err=%q",
				d.ID, d.Status, d.Attempts, d.NextAttemptAt.Format(time.RFC3339Nano), d.LeaseUntil.Format(time.RFC3339Nano), d.LastErrorEn))
		}
	}
	return fmt.Sprintf("%d deliveries %v; unfinished: %v; log tail:\n%s", len(ds), byStatus, open, tail(e.logs.String(), 40))
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	return strings.Join(ls[max(0, len(ls)-lines):], "\n")
}

// BenchmarkCaptureToVerified is the latency from a committed capture (the
// moment the helper acks the extension) to GoQ's saved value verified, one
// capture at a time, with the fake GoQ's own serving time split out.
func BenchmarkCaptureToVerified(b *testing.B) {
	e := newEnv(b)
	e.db.Now = time.Now
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	w := e.worker()
	w.Now = time.Now
	runWorker(b, w)

	var lat []time.Duration
	served0 := s.served.Load()
	b.ResetTimer()
	for range b.N {
		c, _ := e.capture(s, app)
		acked := time.Now()
		w.Wake()
		for ev := range e.events.final {
			if ev.CaptureUUID == c.UUID {
				if ev.Status != keyrelay.DeliveryDelivered {
					b.Fatalf("delivery ended %s: %s", ev.Status, ev.DetailEn)
				}
				break
			}
		}
		lat = append(lat, time.Since(acked))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	fake := time.Duration(s.served.Load() - served0)
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(fake.Microseconds())/1000/float64(b.N), "fake-ms/op")
	b.ReportMetric(float64((sum-fake).Microseconds())/1000/float64(b.N), "helper-ms/op")
}
