package keyrelay

import (
	"context"
	"time"
)

// ShopRef is a shop as an RMS page shows it. Any field may be empty: pages
// differ in what they show.
type ShopRef struct {
	ID   string `json:"id"`   // RMS shop id, e.g. "123456"
	URL  string `json:"url"`  // shop URL, e.g. "https://www.rakuten.co.jp/example/"
	Name string `json:"name"` // 店舗名
}

// Key returns the identity used to match a shop: the RMS id, else the URL,
// else the name, else "unknown".
func (s ShopRef) Key() string {
	switch {
	case s.ID != "":
		return "id:" + s.ID
	case s.URL != "":
		return "url:" + s.URL
	case s.Name != "":
		return "name:" + s.Name
	}
	return "unknown"
}

// API is one row of アプリが利用するAPIリスト.
type API struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Capture is one license key read from a revealed ライセンス情報 page.
type Capture struct {
	ID            int64     `json:"id"`
	UUID          string    `json:"capture_id"` // chosen by the extension; a resend is idempotent
	ShopID        int64     `json:"shop_id"`
	Shop          ShopRef   `json:"shop"`
	AppName       string    `json:"app_name"`
	Developer     string    `json:"developer"`
	AppURL        string    `json:"app_url"`
	State         string    `json:"state"`  // 承認状態 as shown, e.g. 利用中
	Expiry        string    `json:"expiry"` // 有効期限 as shown, "-" when none
	UpdatePending bool      `json:"update_pending"`
	APIs          []API     `json:"apis"`
	PageURL       string    `json:"page_url"`
	ClientID      string    `json:"client_id"` // the pairing that sent it
	CapturedAt    time.Time `json:"captured_at"`
	ReceivedAt    time.Time `json:"received_at"`

	KeyLast4       string `json:"key_last4"`
	KeyFingerprint string `json:"key_fingerprint"` // keyed hash: compare keys without decrypting

	// Key is the plaintext key. It is set only on the way in (before
	// CreateCapture seals it) and by RevealKey's callers; it is never
	// serialised, logged or stored as is.
	Key string `json:"-"`

	// PairedOnly makes CreateCapture refuse the capture (EUNAUTHORIZED)
	// unless ClientID's pairing is approved, checked inside the capture's
	// own transaction: a pairing revoked by any process (the history page,
	// the CLI) stops the very next capture, with no separate read before
	// it. The WebSocket sets it; it is not stored.
	PairedOnly bool `json:"-"`
	// Deliveries are set by CreateCapture on a capture it created: the
	// outbox rows its transaction wrote, as written (the WebSocket tells the
	// browser about one waiting for a login without reading them back).
	Deliveries []*Delivery `json:"-"`
}

// CaptureFilter selects captures, newest first, by keyset pagination so a page
// costs the same with 100k rows as with 10.
type CaptureFilter struct {
	ShopID   *int64
	Query    string // substring of shop, app, developer, state, expiry or last 4
	BeforeID int64  // only captures with id < BeforeID; 0 = from the newest
	Limit    int    // 0 = 50
	// CountLimit > 0 lets a text filter stop counting at that many matches
	// (the total is then a lower bound); 0 counts them all.
	CountLimit int
}

// CaptureService stores captures.
type CaptureService interface {
	// CreateCapture validates c, seals c.Key, upserts its shop and commits it
	// together with one pending delivery per destination, superseding older
	// undelivered deliveries of the same shop and app, in one transaction. A
	// resend of a stored UUID returns the stored capture and created=false
	// without touching anything.
	CreateCapture(ctx context.Context, c *Capture) (stored *Capture, created bool, err error)
	FindCaptureByID(ctx context.Context, id int64) (*Capture, error)
	FindCaptureByUUID(ctx context.Context, uuid string) (*Capture, error)
	// FindCaptures returns a page and the total number of matches.
	FindCaptures(ctx context.Context, f CaptureFilter) ([]*Capture, int, error)
	// PreviousCapture returns the capture of the same shop and app just before
	// c, or ENOTFOUND.
	PreviousCapture(ctx context.Context, c *Capture) (*Capture, error)
	// RevealKey decrypts a capture's key. Only delivery calls it.
	RevealKey(ctx context.Context, id int64) (string, error)
}
