package keyrelay

import "strings"

// The one state model (docs/STATES.md). The extension shows the badge, popup
// and options lines (extension/bg/states.js); the tray shows the tray lines
// below. Both tables are checked against testdata/states.json.
const (
	StateQueued            = "queued"
	StateHelperUnreachable = "helper_unreachable"
	StatePortOther         = "port_other"
	StateVersionMismatch   = "version_mismatch"
	StateOriginRefused     = "origin_refused"
	StatePairingRevoked    = "pairing_revoked"
	StatePairingPending    = "pairing_pending"
	StateNeedsAttention    = "needs_attention"
	StateWaitingLogin      = "waiting_login"
	StateWaitingBrowser    = "waiting_browser"
	StateWaitingAccount    = "waiting_account"
	StateAlert             = "alert"
	StateStored            = "stored"
	StateInProgress        = "in_progress"
	StateDelivered         = "delivered"
	StateAlreadyCurrent    = "already_current"
	StateSuperseded        = "superseded"
	StateConnected         = "connected"
)

// trayLines are the tray's words for each state, Japanese then English; a
// state the tray never shows has none (the tray runs inside the helper, so
// it cannot be unreachable).
var trayLines = map[string][2]string{
	StatePairingPending: {"ペアリング承認待ち: コード {code}", "pairing request: code {code}"},
	StateNeedsAttention: {"要対応", "needs attention"},
	StateWaitingLogin:   {"GoQログイン待ち", "waiting for GoQ login"},
	StateWaitingBrowser: {"ブラウザ待ち", "waiting for the browser"},
	StateWaitingAccount: {"GoQアカウント待ち", "waiting for the GoQ account"},
	StateAlert:          {"要対応 {count}件", "{count} need attention"},
	StateStored:         {"配信待ち", "waiting to deliver"},
	StateInProgress:     {"配信中", "delivering"},
	StateDelivered:      {"配信済み（確認済み）", "delivered and verified"},
	StateAlreadyCurrent: {"登録済み（確認済み）", "already current"},
	StateSuperseded:     {"新しいキーに置換", "superseded"},
	StateConnected:      {"keyrelay: 正常に動作中", "all good"},
}

// TrayLine is the tray's "日本語 (English)" for state, with {name} filled
// from vars (pairs of name, value).
func TrayLine(state string, vars ...string) string {
	l, ok := trayLines[state]
	if !ok {
		return state
	}
	r := strings.NewReplacer(braced(vars)...)
	return r.Replace(l[0]) + " (" + r.Replace(l[1]) + ")"
}

// TrayLines exposes the table for the test against testdata/states.json.
func TrayLines() map[string][2]string { return trayLines }

func braced(vars []string) []string {
	out := make([]string, 0, len(vars))
	for i := 0; i+1 < len(vars); i += 2 {
		out = append(out, "{"+vars[i]+"}", vars[i+1])
	}
	return out
}

// DeliveryState maps a delivery status to its state: a delivery due for a
// retry (pending) reads as in progress; no delivery yet as stored.
func DeliveryState(status string) string {
	switch status {
	case DeliveryPending, DeliveryInProgress:
		return StateInProgress
	case "":
		return StateStored
	}
	return status
}
