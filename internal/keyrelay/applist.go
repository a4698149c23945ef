package keyrelay

import "time"

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
