// Package reminder turns what keyrelay knows about each app's key (expiry,
// 更新あり, last delivery) into alerts, and reminds the operator of each one
// once: 14, 3 and 1 days before expiry and on the day, and once per pending
// update. What was shown is persisted, so a restart neither repeats a
// reminder nor loses one.
package reminder

import (
	"context"
	"fmt"
	"sort"
	"time"

	"keyrelay/internal/keyrelay"
)

// AlertWindowDays is how early an expiry becomes an alert (and the first
// reminder threshold).
const AlertWindowDays = 14

// Thresholds are the days before expiry a reminder fires, most urgent last;
// 0 is the day itself (and any day after it).
var Thresholds = []int{14, 3, 1, 0}

// Source implements keyrelay.AlertSource over the app status board.
type Source struct {
	Apps AppStatusFinder
}

// AppStatusFinder is the part of keyrelay.AppStatusService alerts need.
type AppStatusFinder interface {
	FindAppStatuses(ctx context.Context) ([]*keyrelay.AppStatus, error)
}

var _ keyrelay.AlertSource = (*Source)(nil)

// Alerts lists what the operator must act on at now, most urgent first:
// expired keys, deliveries that gave up, keys expiring within 14 days (fewest
// days first), pending updates.
func (s *Source) Alerts(ctx context.Context, now time.Time) ([]keyrelay.Alert, error) {
	apps, err := s.Apps.FindAppStatuses(ctx)
	if err != nil {
		return nil, fmt.Errorf("reminder: alerts: %w", err)
	}
	return AlertsFor(apps, now), nil
}

// AlertsFor computes the alerts of apps at now.
func AlertsFor(apps []*keyrelay.AppStatus, now time.Time) []keyrelay.Alert {
	alerts := []keyrelay.Alert{}
	for _, a := range apps {
		n := len(alerts)
		alerts = appAlerts(alerts, a, now)
		for i := n; i < len(alerts); i++ {
			alerts[i].ShopRMSID, alerts[i].ShopKey = a.ShopRMSID, a.ShopKey
			if alerts[i].Kind == keyrelay.AlertNeedsAttention {
				alerts[i].ClientID = a.LastClientID
			}
		}
	}
	sort.SliceStable(alerts, func(i, j int) bool {
		ri, rj := rank(alerts[i]), rank(alerts[j])
		if ri != rj {
			return ri < rj
		}
		return alerts[i].DaysLeft < alerts[j].DaysLeft
	})
	return alerts
}

// appAlerts appends one app's alerts.
func appAlerts(alerts []keyrelay.Alert, a *keyrelay.AppStatus, now time.Time) []keyrelay.Alert {
	if !a.ExpiresAt.IsZero() {
		if d := DaysLeft(a.ExpiresAt, now); d <= AlertWindowDays {
			alerts = append(alerts, expiryAlert(a, d))
		}
	}
	if a.LastDelivery == keyrelay.DeliveryNeedsAttention {
		alerts = append(alerts, keyrelay.Alert{
			Kind: keyrelay.AlertNeedsAttention, ShopName: a.ShopName, AppName: a.AppName,
			Message: fmt.Sprintf("「%s」の「%s」のキー（末尾4桁: %s）をGoQSystemに届けられませんでした。履歴画面で理由を確認し、再送してください。",
				a.ShopName, a.AppName, a.KeyLast4),
			MessageEn: fmt.Sprintf("The key (last 4: %s) for %s / %s could not be delivered to GoQSystem. See the history page for why, then retry.",
				a.KeyLast4, a.ShopName, a.AppName),
		})
	}
	if a.UpdatePending {
		alerts = append(alerts, updateAlert(a))
	}
	return alerts
}

func rank(a keyrelay.Alert) int {
	switch a.Kind {
	case keyrelay.AlertExpired:
		return 0
	case keyrelay.AlertNeedsAttention:
		return 1
	case keyrelay.AlertExpiring:
		return 2
	}
	return 3
}

// DaysLeft counts calendar days in JST from now to expiresAt: 0 on the expiry
// date itself, negative after it. RMS dates are JST dates, so a key "expiring
// 2025/05/26" has 1 day left all through 2025/05/25 in Japan.
func DaysLeft(expiresAt, now time.Time) int {
	e, n := expiresAt.In(keyrelay.JST), now.In(keyrelay.JST)
	ed := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, time.UTC)
	nd := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	return int(ed.Sub(nd) / (24 * time.Hour))
}

func expiryLabel(a *keyrelay.AppStatus) (ja, en string) {
	date := keyrelay.FormatDate(a.ExpiresAt)
	if a.ExpiryEstimated {
		return fmt.Sprintf("%s（推定: 取得から90日。RMSに有効期限の表示がありません）", date),
			fmt.Sprintf("%s (estimated: 90 days from capture; RMS shows no expiry)", date)
	}
	return date, date
}

func expiryAlert(a *keyrelay.AppStatus, d int) keyrelay.Alert {
	dateJa, dateEn := expiryLabel(a)
	al := keyrelay.Alert{ShopName: a.ShopName, AppName: a.AppName, DaysLeft: d}
	switch {
	case d < 0:
		al.Kind = keyrelay.AlertExpired
		al.Message = fmt.Sprintf("「%s」の「%s」のライセンスキーは有効期限（%s）を過ぎています。RMSで更新し、キーを取得し直してください。", a.ShopName, a.AppName, dateJa)
		al.MessageEn = fmt.Sprintf("The license key for %s / %s expired on %s. Renew it in RMS and capture the key again.", a.ShopName, a.AppName, dateEn)
	case d == 0:
		al.Kind = keyrelay.AlertExpiring
		al.Message = fmt.Sprintf("「%s」の「%s」のライセンスキーは本日（%s）が有効期限です。RMSで更新し、キーを取得し直してください。", a.ShopName, a.AppName, dateJa)
		al.MessageEn = fmt.Sprintf("The license key for %s / %s expires today (%s). Renew it in RMS and capture the key again.", a.ShopName, a.AppName, dateEn)
	default:
		al.Kind = keyrelay.AlertExpiring
		al.Message = fmt.Sprintf("「%s」の「%s」のライセンスキーはあと%d日で有効期限（%s）です。RMSで更新し、キーを取得し直してください。", a.ShopName, a.AppName, d, dateJa)
		al.MessageEn = fmt.Sprintf("The license key for %s / %s expires in %d day(s) (%s). Renew it in RMS and capture the key again.", a.ShopName, a.AppName, d, dateEn)
	}
	return al
}

func updateAlert(a *keyrelay.AppStatus) keyrelay.Alert {
	return keyrelay.Alert{
		Kind: keyrelay.AlertUpdatePending, ShopName: a.ShopName, AppName: a.AppName,
		Message:   fmt.Sprintf("「%s」の「%s」は「更新あり」です。RMSのアプリ一覧で更新を承認し、新しいキーを取得してください。", a.ShopName, a.AppName),
		MessageEn: fmt.Sprintf("%s / %s has an update pending (更新あり). Approve it in RMS's アプリ一覧 and capture the new key.", a.ShopName, a.AppName),
	}
}
