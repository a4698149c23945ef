package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// TestConcurrentWriters runs the helper's writers (captures, outbox claims,
// audit) beside a second handle on the same file, as the CLI is while the
// helper runs. Every write must land: none may fail with "database is locked".
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.db.Now = time.Now
	setCreds(t, e, "")
	sealer, err := secret.Open(e.dir, secret.ModeFile)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := sqlite.Open(filepath.Join(e.dir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for w := range workers {
		wg.Add(3)
		go func() {
			defer wg.Done()
			cs := sqlite.NewCaptureService(e.db)
			for i := range each {
				c := newCaptureN(w*each+i, fmt.Sprintf("%06d", w), fmt.Sprintf("App%d", i))
				if _, _, err := cs.CreateCapture(ctx, c); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			ds := sqlite.NewDeliveryService(e.db)
			for range each {
				if _, err := ds.ClaimDue(ctx, time.Now(), time.Minute, 5); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			as, ss := sqlite.NewAuditService(cli), sqlite.NewSessionService(cli)
			for range each {
				if err := as.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditAuthOK}); err != nil {
					errs <- err
				}
				if _, err := ss.CreateLoginToken(ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, total, err := sqlite.NewCaptureService(cli).FindCaptures(ctx, keyrelay.CaptureFilter{})
	if err != nil || total != workers*each {
		t.Fatalf("captures: got %d (%v), want %d", total, err, workers*each)
	}
	evs, err := sqlite.NewAuditService(e.db).FindAuditEvents(ctx, keyrelay.AuditFilter{Limit: 1000})
	if err != nil || len(evs) != workers*each {
		t.Fatalf("audit events: got %d (%v), want %d", len(evs), err, workers*each)
	}
}

// newCaptureN is newCapture with a UUID from n, safe to call concurrently.
func newCaptureN(n int, shopID, app string) *keyrelay.Capture {
	c := newCaptureFields(shopID, app, testKey)
	c.UUID = fmt.Sprintf("5a4b3c2d-1e0f-4a9b-8c7d-%012d", n)
	return c
}
