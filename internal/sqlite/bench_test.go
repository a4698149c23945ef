package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// BenchmarkCreateCapture is one capture committed durably (synchronous=FULL)
// with its delivery row: the store's share of the capture → ack round trip.
func BenchmarkCreateCapture(b *testing.B) {
	e := newEnv(b)
	e.db.Now = time.Now
	setCredsB(b, e)
	cs := sqlite.NewCaptureService(e.db)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		c := newCapture(fmt.Sprintf("%06d", i%20), fmt.Sprintf("App%d", i%5), testKey)
		c.UUID = fmt.Sprintf("6f1c2d3e-4a5b-4c6d-8e7f-%012d", i)
		if _, _, err := cs.CreateCapture(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

func setCredsB(b *testing.B, e *env) {
	if err := sqlite.NewCredentialService(e.db).SetCredentials(context.Background(), &keyrelay.Credentials{
		Destination: "goq", LoginID: "shop", Password: "pw",
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFindCapturesFirstPage100k is the history page's query: the
// newest 50 and the total count, over 100k captures in 20 shops.
func BenchmarkFindCapturesFirstPage100k(b *testing.B) {
	e := newEnv(b)
	if err := sqlite.SeedCaptures(e.db, 100_000, 20); err != nil {
		b.Fatal(err)
	}
	cs := sqlite.NewCaptureService(e.db)
	ctx := context.Background()
	shops, err := sqlite.NewShopService(e.db).FindShops(ctx)
	if err != nil {
		b.Fatal(err)
	}
	shopID := shops[3].ID

	for _, bc := range []struct {
		name string
		f    keyrelay.CaptureFilter
		want int
	}{
		{"All", keyrelay.CaptureFilter{}, 100_000},
		{"Shop", keyrelay.CaptureFilter{ShopID: &shopID}, 5_000},
		{"Text", keyrelay.CaptureFilter{Query: "アプリ7"}, 0},
		{"TextMatchingAll", keyrelay.CaptureFilter{Query: "利用中"}, 100_000},
		{"ShopAndText", keyrelay.CaptureFilter{ShopID: &shopID, Query: "0003"}, 0},
		{"Page1000", keyrelay.CaptureFilter{BeforeID: 50_000}, 100_000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				page, total, err := cs.FindCaptures(ctx, bc.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(page) != 50 && total >= 50 || bc.want > 0 && total != bc.want {
					b.Fatalf("got %d rows of %d", len(page), total)
				}
			}
		})
	}
}
