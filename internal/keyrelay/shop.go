package keyrelay

import (
	"context"
	"time"
)

// Shop is a Rakuten shop keyrelay has seen, matched by ShopRef.Key.
type Shop struct {
	ID        int64     `json:"id"`
	Key       string    `json:"key"`
	Ref       ShopRef   `json:"ref"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DisplayName is what the UI calls the shop.
func (s *Shop) DisplayName() string {
	switch {
	case s.Ref.Name != "":
		return s.Ref.Name
	case s.Ref.ID != "":
		return s.Ref.ID
	case s.Ref.URL != "":
		return s.Ref.URL
	}
	return "不明な店舗 (unknown shop)"
}

type ShopService interface {
	FindShops(ctx context.Context) ([]*Shop, error)
	FindShopByID(ctx context.Context, id int64) (*Shop, error)
}
