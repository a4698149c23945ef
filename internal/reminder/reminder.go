package reminder

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"keyrelay/internal/keyrelay"
)

// Reminder kinds as the Log stores them.
const (
	KindExpiry = "expiry"
	KindUpdate = keyrelay.AlertUpdatePending
)

// DefaultInterval is how often Run looks again unprompted. Days left change
// at midnight JST, so a few minutes late is harmless; Wake covers news.
const DefaultInterval = 5 * time.Minute

// DefaultSettle is how long Run lets wakes gather before it checks: a burst
// of captures costs one look at the board per second, not one per capture.
const DefaultSettle = time.Second

// DefaultBackstop is the longest Run goes without checking when Changes
// reports no commit and the JST date is the same: what Check finds depends
// only on the store and on that date, so the backstop only bounds a change
// the stamp could miss (see sqlite.DB.ChangeStamp), and reminders count in
// days.
const DefaultBackstop = time.Hour

// Log remembers which reminders the operator was shown. The sqlite
// ReminderService implements it.
type Log interface {
	// MarkReminderShown records one reminder, identified by app, kind,
	// threshold (days before expiry; 0 for an update) and expiry (a JST date
	// as RMS shows it; "" for an update), and reports whether it was new.
	MarkReminderShown(ctx context.Context, shopID int64, developer, appName, kind string, threshold int, expiry string) (first bool, err error)
	// ClearReminders forgets an app's reminders of one kind, so that the
	// next occurrence (a new 更新あり) is shown again.
	ClearReminders(ctx context.Context, shopID int64, developer, appName, kind string) error
}

// Reminder fires each reminder once. Set the dependencies, then call Run (the
// helper) or Check (tests).
type Reminder struct {
	Apps     AppStatusFinder
	Log      Log
	Notifier Notifier           // nil: log only
	Events   keyrelay.EventSink // may be nil; told when the alerts change
	Logger   *slog.Logger       // nil: slog.Default()
	Now      func() time.Time   // nil: time.Now
	Interval time.Duration      // 0: DefaultInterval
	Settle   time.Duration      // 0: DefaultSettle
	// Changes lets an Interval tick skip its check while the store has
	// not changed (by any process) and the JST date is the one of the last
	// check, for up to Backstop; nil: every tick checks.
	Changes  keyrelay.ChangeSource
	Backstop time.Duration // 0: DefaultBackstop

	initOnce sync.Once
	wake     chan struct{}

	mu         sync.Mutex // serialises Check
	lastAlerts []keyrelay.Alert
	cleared    map[appKey]bool // update reminders already cleared this run
	// shown remembers what the Log already holds, so a check after every
	// capture reads the board (one row per app) and writes nothing for a
	// reminder it marked before.
	shown     map[Fired]bool
	noDesktop bool // the "no desktop notifications" line was logged
}

type appKey struct {
	shopID int64
	app    string
}

// Fired is one reminder Check showed.
type Fired struct {
	ShopID    int64
	Developer string
	AppName   string
	Kind      string
	Threshold int
	Expiry    string
	Alert     keyrelay.Alert
}

func (r *Reminder) init() {
	r.initOnce.Do(func() {
		r.wake = make(chan struct{}, 1)
		if r.Logger == nil {
			r.Logger = slog.Default()
		}
		if r.Now == nil {
			r.Now = time.Now
		}
		if r.Interval <= 0 {
			r.Interval = DefaultInterval
		}
		if r.Settle <= 0 {
			r.Settle = DefaultSettle
		}
		if r.Backstop <= 0 {
			r.Backstop = DefaultBackstop
		}
		r.cleared = map[appKey]bool{}
		r.shown = map[Fired]bool{}
		r.lastAlerts = []keyrelay.Alert{}
	})
}

// Wake asks Run to check now: after an アプリ一覧 visit, a capture or a
// delivery result. It never blocks.
func (r *Reminder) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run checks at start (so a threshold passed while the helper was down fires
// now), then every Interval and Settle after a Wake (wakes meanwhile are
// folded into that one check), until ctx ends. With Changes, an Interval
// tick checks only if the store changed, the JST date moved on or Backstop
// passed since the last check, so an idle helper reads nothing. A failed
// check is logged and retried at the next tick; only ctx ends Run.
func (r *Reminder) Run(ctx context.Context) error {
	r.init()
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	settle := time.NewTimer(r.Settle)
	settle.Stop()
	defer settle.Stop()
	armed := false
	var last lastCheck
	for {
		last = r.checkRecorded(ctx)
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				waiting = !last.due(r.Now(), keyrelay.StampOf(r.Changes), r.Backstop)
			case <-r.wake:
				if !armed {
					armed = true
					settle.Reset(r.Settle)
				}
			case <-settle.C:
				waiting = false
			}
		}
		armed = false
	}
}

// lastCheck is what Run knew at its last check.
type lastCheck struct {
	stamp keyrelay.ChangeStamp // "" also when the check failed
	at    time.Time
}

// due reports whether a tick at now must check again.
func (l lastCheck) due(now time.Time, stamp keyrelay.ChangeStamp, backstop time.Duration) bool {
	return !stamp.Same(l.stamp) || keyrelay.FormatDate(now) != keyrelay.FormatDate(l.at) || now.Sub(l.at) >= backstop
}

// checkRecorded runs Check and says what it saw: the stamp is taken first,
// so a commit during the check counts as a change.
func (r *Reminder) checkRecorded(ctx context.Context) lastCheck {
	l := lastCheck{stamp: keyrelay.StampOf(r.Changes), at: r.Now()}
	if _, err := r.Check(ctx); err != nil {
		l.stamp = ""
		if ctx.Err() == nil {
			r.Logger.Error("reminder check", "err", err)
		}
	}
	return l
}

// Check fires every reminder due at Now that was not shown before and tells
// Events if the alerts changed. For each expiry only the most urgent
// threshold passed fires: after a week of downtime the operator hears "1 day
// left" once, not 14, 3 and 1 at the same moment.
func (r *Reminder) Check(ctx context.Context) ([]Fired, error) {
	r.init()
	r.mu.Lock()
	defer r.mu.Unlock()

	now := r.Now()
	apps, err := r.Apps.FindAppStatuses(ctx)
	if err != nil {
		return nil, fmt.Errorf("reminder: %w", err)
	}
	var fired []Fired
	for _, a := range apps {
		due, err := r.due(ctx, a, now)
		if err != nil {
			return fired, err
		}
		for _, f := range due {
			// Keyed by shop and app name only, as the store matches a
			// listing to captures: a developer spelt differently on the
			// two pages must not make a shown reminder new again.
			k := shownKey(f)
			if r.shown[k] {
				continue
			}
			first, err := r.Log.MarkReminderShown(ctx, f.ShopID, "", f.AppName, f.Kind, f.Threshold, f.Expiry)
			if err != nil {
				return fired, fmt.Errorf("reminder: mark shown: %w", err)
			}
			r.shown[k] = true
			if !first {
				continue
			}
			// Marked before it is shown: a crash in between loses one
			// desktop popup, never repeats one; the tray, badge and banner
			// still show the alert.
			fired = append(fired, f)
			r.show(ctx, f)
		}
	}

	alerts := AlertsFor(apps, now)
	if (len(fired) > 0 || !slices.Equal(alerts, r.lastAlerts)) && r.Events != nil {
		r.Events.AlertsChanged()
	}
	r.lastAlerts = alerts
	return fired, nil
}

// due lists the reminders a's state calls for at now, shown or not.
func (r *Reminder) due(ctx context.Context, a *keyrelay.AppStatus, now time.Time) ([]Fired, error) {
	var out []Fired
	if !a.ExpiresAt.IsZero() {
		d := DaysLeft(a.ExpiresAt, now)
		if t, ok := mostUrgent(d); ok {
			out = append(out, Fired{
				ShopID: a.ShopID, Developer: a.Developer, AppName: a.AppName,
				Kind: KindExpiry, Threshold: t, Expiry: keyrelay.FormatDate(a.ExpiresAt),
				Alert: expiryAlert(a, d),
			})
		}
	}
	k := appKey{a.ShopID, a.AppName}
	if a.UpdatePending {
		delete(r.cleared, k)
		out = append(out, Fired{
			ShopID: a.ShopID, Developer: a.Developer, AppName: a.AppName,
			Kind: KindUpdate, Alert: updateAlert(a),
		})
	} else if !r.cleared[k] {
		if err := r.Log.ClearReminders(ctx, a.ShopID, "", a.AppName, KindUpdate); err != nil {
			return nil, fmt.Errorf("reminder: clear update reminder: %w", err)
		}
		r.cleared[k] = true
		delete(r.shown, shownKey(Fired{ShopID: a.ShopID, AppName: a.AppName, Kind: KindUpdate}))
	}
	return out, nil
}

// shownKey is f as the Log keys it: shop, app name, kind, threshold, expiry.
func shownKey(f Fired) Fired {
	return Fired{ShopID: f.ShopID, AppName: f.AppName, Kind: f.Kind, Threshold: f.Threshold, Expiry: f.Expiry}
}

// mostUrgent returns the smallest threshold daysLeft has reached.
func mostUrgent(daysLeft int) (int, bool) {
	for i := len(Thresholds) - 1; i >= 0; i-- {
		if daysLeft <= Thresholds[i] {
			return Thresholds[i], true
		}
	}
	return 0, false
}

func (r *Reminder) show(ctx context.Context, f Fired) {
	r.Logger.Info("reminder", "kind", f.Kind, "shop_id", f.ShopID, "app", f.AppName,
		"threshold_days", f.Threshold, "expiry", f.Expiry, "days_left", f.Alert.DaysLeft)
	if r.Notifier == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n := Notification{
		Title:  "keyrelay: " + titleFor(f.Alert),
		Body:   f.Alert.Message + "\n" + f.Alert.MessageEn,
		Urgent: f.Alert.Kind == keyrelay.AlertExpired || (f.Kind == KindExpiry && f.Threshold <= 1),
	}
	if err := r.Notifier.Notify(ctx, n); err != nil {
		level := slog.LevelDebug
		if !r.noDesktop {
			level, r.noDesktop = slog.LevelInfo, true
		}
		r.Logger.Log(ctx, level, "desktop notification not shown; the tray, badge and history page still show the reminder", "err", err)
	}
}

func titleFor(a keyrelay.Alert) string {
	switch {
	case a.Kind == keyrelay.AlertExpired:
		return "キーの期限切れ (key expired)"
	case a.Kind == keyrelay.AlertUpdatePending:
		return "更新あり (update pending)"
	case a.DaysLeft == 0:
		return "本日キーの期限 (key expires today)"
	}
	return fmt.Sprintf("キーの期限まであと%d日 (key expires in %d days)", a.DaysLeft, a.DaysLeft)
}
