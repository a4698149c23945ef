package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// textIndexFixture stores 40 captures over 4 shops and 5 apps with the
// store's own CreateCapture, none of them indexed yet.
func textIndexFixture(t *testing.T, e *env) []*keyrelay.Capture {
	t.Helper()
	var cs []*keyrelay.Capture
	for i := range 40 {
		c := newCapture(fmt.Sprintf("70000%d", i%4), fmt.Sprintf("在庫アプリ%d", i%5), fmt.Sprintf("SL70000%d_Ab%014d", i%4, i))
		cs = append(cs, mustCreate(t, e, c))
	}
	return cs
}

// want is the brute-force answer: every capture whose text holds q (the
// store's lower-cased search text), newest first.
func wantIDs(cs []*keyrelay.Capture, shopID *int64, q string, beforeID int64) []int64 {
	q = strings.ToLower(q)
	var ids []int64
	for _, c := range cs {
		text := strings.ToLower(strings.Join([]string{c.Shop.ID, c.Shop.URL, c.Shop.Name, c.AppName, c.Developer, c.State, c.Expiry, c.KeyLast4}, "\x1f"))
		if strings.Contains(text, q) && (shopID == nil || c.ShopID == *shopID) && (beforeID <= 0 || c.ID < beforeID) {
			ids = append(ids, c.ID)
		}
	}
	slices.Reverse(ids)
	return ids
}

// Search results are the same whatever part of the history is indexed:
// nothing, some, or all of it (the watermark anywhere, pages crossing it).
func TestTextSearchAcrossTheWatermark(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := textIndexFixture(t, e)
	svc := sqlite.NewCaptureService(e.db)
	shop := cs[1].ShopID
	queries := []keyrelay.CaptureFilter{
		{Query: "在庫アプリ3"},
		{Query: "利用中", Limit: 7},
		{Query: "利用中", Limit: 7, BeforeID: cs[25].ID},
		{Query: "利用中", Limit: 50, CountLimit: 30},
		{Query: "アプリ", ShopID: &shop, Limit: 4},
		{Query: "アプリ", ShopID: &shop, Limit: 4, BeforeID: cs[21].ID},
		{Query: "0000000000000017"}, // none: key digits are not searchable
		{Query: "0017"},             // the last 4
		{Query: "存在しない"},
		// Too short for the trigram index: the narrow text and the tail.
		{Query: "17"},
		{Query: "アプ", Limit: 9, BeforeID: cs[30].ID},
		{Query: "ア", ShopID: &shop, Limit: 3},
		{Query: "%"},
	}
	check := func(stage string) {
		t.Helper()
		for _, f := range queries {
			page, total, err := svc.FindCaptures(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			all := wantIDs(cs, f.ShopID, f.Query, 0)
			want := wantIDs(cs, f.ShopID, f.Query, f.BeforeID)
			limit := f.Limit
			if limit == 0 {
				limit = 50
			}
			want = want[:min(limit, len(want))]
			var got []int64
			for _, c := range page {
				got = append(got, c.ID)
			}
			wantTotal := len(all)
			if f.CountLimit > 0 {
				wantTotal = min(wantTotal, f.CountLimit)
			}
			if !slices.Equal(got, want) || total != wantTotal {
				t.Errorf("%s: %+v: got %v of %d, want %v of %d", stage, f, got, total, want, wantTotal)
			}
		}
	}

	check("nothing indexed")
	if to, err := sqlite.IndexedTo(e.db); err != nil || to != 0 {
		t.Fatalf("watermark before indexing: %d, %v", to, err)
	}
	for _, batch := range []int{1, 12, 7} {
		if n, err := e.db.IndexCaptures(ctx, batch); err != nil || n != batch {
			t.Fatalf("IndexCaptures(%d): %d, %v", batch, n, err)
		}
		check(fmt.Sprintf("indexed to %d", must(sqlite.IndexedTo(e.db))))
	}
	if n, err := e.db.IndexCaptures(ctx, 1000); err != nil || n != 20 {
		t.Fatalf("the rest: %d, %v; want 20", n, err)
	}
	if to := must(sqlite.IndexedTo(e.db)); to != cs[len(cs)-1].ID {
		t.Fatalf("watermark %d, want the newest capture %d", to, cs[len(cs)-1].ID)
	}
	check("all indexed")
	if n, err := e.db.IndexCaptures(ctx, 1000); err != nil || n != 0 {
		t.Fatalf("nothing left: %d, %v", n, err)
	}
	more := mustCreate(t, e, newCapture("700001", "在庫アプリ3", testKey))
	cs = append(cs, more)
	check("one new capture above the watermark")
}

// A crash after captures commit and before the indexer ran loses nothing:
// the reopened store finds them (the tail), and the indexer indexes them at
// start.
func TestTextIndexAfterACrash(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := textIndexFixture(t, e)
	if _, err := e.db.IndexCaptures(ctx, 15); err != nil {
		t.Fatal(err)
	}
	// No Close: its checkpoint is not what a crash leaves. A second Open on
	// the same file sees only what was committed.
	e2 := openEnv(t, e.dir)
	svc := sqlite.NewCaptureService(e2.db)
	page, total, err := svc.FindCaptures(ctx, keyrelay.CaptureFilter{Query: "在庫アプリ4", Limit: 100})
	if want := wantIDs(cs, nil, "在庫アプリ4", 0); err != nil || total != len(want) || len(page) != len(want) {
		t.Fatalf("before re-indexing: %d rows of %d, %v; want %d", len(page), total, err, len(want))
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e2.db.RunIndexer(runCtx, func(err error) { t.Error(err) }) }()
	waitIndexedTo(t, e2.db, cs[len(cs)-1].ID, "the tail at start")
	stop()
	<-done
	page, total, err = svc.FindCaptures(ctx, keyrelay.CaptureFilter{Query: "在庫アプリ4", Limit: 100})
	if want := wantIDs(cs, nil, "在庫アプリ4", 0); err != nil || total != len(want) || len(page) != len(want) {
		t.Fatalf("after re-indexing: %d rows of %d, %v; want %d", len(page), total, err, len(want))
	}
}

// New captures are indexed by the running indexer once they pause.
func TestIndexerIndexesNewCaptures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.db.RunIndexer(runCtx, func(err error) { t.Error(err) }) }()
	defer func() { stop(); <-done }()
	c := mustCreate(t, e, newCapture("700009", "在庫アプリ", testKey))
	waitIndexedTo(t, e.db, c.ID, "a new capture")
}

// waitIndexedTo waits until the running indexer's watermark reaches id.
// The deadline is not a verdict on speed: the indexer runs on its own
// goroutine, and the watermark is polled until it gets there.
func waitIndexedTo(t *testing.T, db *sqlite.DB, id int64, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); must(sqlite.IndexedTo(db)) != id; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the indexer did not index %s (capture %d): watermark %d", what, id, must(sqlite.IndexedTo(db)))
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
