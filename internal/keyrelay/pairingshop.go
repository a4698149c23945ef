package keyrelay

import "context"

// PairingShopService remembers which shops each paired browser worked on,
// so each browser of an agency is told only about its own shops.
type PairingShopService interface {
	// TouchPairingShop records that clientID listed shopKey (ShopRef.Key()).
	// A capture records its shop in its own transaction; PairingShopKeys
	// includes the shops clientID captured.
	TouchPairingShop(ctx context.Context, clientID, shopKey string) error
	// PairingShopKeys lists the shop keys clientID worked on.
	PairingShopKeys(ctx context.Context, clientID string) (map[string]bool, error)
}

// AlertsForPairing keeps the alerts one browser should see: those of the
// shops it worked on, and of those only the needs-attention alerts of its
// own captures (another browser's 要対応 is not its to fix).
func AlertsForPairing(all []Alert, clientID string, shops map[string]bool) []Alert {
	out := []Alert{}
	for _, a := range all {
		if !shops[a.ShopKey] {
			continue
		}
		if a.Kind == AlertNeedsAttention && a.ClientID != clientID {
			continue
		}
		out = append(out, a)
	}
	return out
}
