package keyrelay

import (
	"context"
	"time"
)

// AppListRow is one row of RMS's アプリ一覧 as the extension saw it. It feeds
// expiry tracking; it never carries a key, only its last 4.
type AppListRow struct {
	Developer     string `json:"developer"`
	AppName       string `json:"app_name"`
	KeyLast4      string `json:"key_last4"`
	Expiry        string `json:"expiry"` // as shown, "-" when none
	State         string `json:"state"`
	UpdatePending bool   `json:"update_pending"` // state contains 更新あり
}

// AppListing is a whole アプリ一覧 visit.
type AppListing struct {
	Shop    ShopRef      `json:"shop"`
	PageURL string       `json:"page_url"`
	SeenAt  time.Time    `json:"seen_at"`
	Rows    []AppListRow `json:"rows"`
}

// AppStatus is the status board's row: what keyrelay knows about one app of
// one shop, from アプリ一覧 visits and captures.
type AppStatus struct {
	ShopID          int64     `json:"shop_id"`
	ShopName        string    `json:"shop_name"`
	ShopKey         string    `json:"shop_key"`    // ShopRef.Key()
	ShopRMSID       string    `json:"shop_rms_id"` // RMS shop id, "" when unknown
	Developer       string    `json:"developer"`
	AppName         string    `json:"app_name"`
	KeyLast4        string    `json:"key_last4"`
	Expiry          string    `json:"expiry"`           // as last shown by RMS, "-" when none
	ExpiresAt       time.Time `json:"expires_at"`       // zero when unknown
	ExpiryEstimated bool      `json:"expiry_estimated"` // 90 days from capture, RMS showed none
	UpdatePending   bool      `json:"update_pending"`
	LastCaptureAt   time.Time `json:"last_capture_at"`
	LastDelivery    string    `json:"last_delivery"` // a Delivery status, "" when none
	LastClientID    string    `json:"-"`             // the pairing that made the newest capture
	SeenAt          time.Time `json:"seen_at"`
}

// EstimatedKeyLifetime is used when RMS shows no expiry: keys last about 90 days.
const EstimatedKeyLifetime = 90 * 24 * time.Hour

type AppStatusService interface {
	// RecordAppListing updates each listed app's expiry and update state.
	RecordAppListing(ctx context.Context, l *AppListing) error
	FindAppStatuses(ctx context.Context) ([]*AppStatus, error)
}

// Alert kinds.
const (
	AlertExpiring       = "expiring"
	AlertExpired        = "expired"
	AlertUpdatePending  = "update_pending"
	AlertNeedsAttention = "needs_attention"
)

// Alert is something the operator must act on; the badge, tray and history
// banner all show the same list.
type Alert struct {
	Kind      string `json:"kind"`
	ShopName  string `json:"shop"`
	ShopRMSID string `json:"shop_id"` // RMS shop id, "" when unknown
	AppName   string `json:"app_name"`
	DaysLeft  int    `json:"days_left"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
	// For AlertsForPairing; not sent.
	ShopKey  string `json:"-"`
	ClientID string `json:"-"` // needs_attention: the pairing whose capture failed
}

// AlertSource computes the current alerts.
type AlertSource interface {
	Alerts(ctx context.Context, now time.Time) ([]Alert, error)
}

// EventSink receives changes the extension and tray should hear about. The
// WebSocket hub implements it; the outbox calls it.
type EventSink interface {
	DeliveryChanged(ev DeliveryEvent)
	AlertsChanged()
}
