package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"keyrelay/internal/keyrelay"
)

// recordTimeout bounds writing an attempt. It is detached from the delivery's
// context: a post that reached GoQ must be recorded even during shutdown.
const recordTimeout = 10 * time.Second

// result is what one attempt led to, before it is recorded.
type result struct {
	status      string    // the Delivery status it leads to
	next        time.Time // when pending: the retry time
	err         error     // nil on success and for waiting_login
	ja, en      string    // operator-facing detail, no secrets
	keyLast4    string
	quote       string // the destination's own words (Error.Quote), cleaned
	credsID     int64  // the login used, once one was found
	loginID     string
	interrupted bool     // shutdown cancelled it: release, do not record
	secrets     []string // redacted from anything logged
}

// attempt runs one claimed delivery to its next state, records the attempt
// and tells the event sink. It logs exactly one line.
func (w *Worker) attempt(ctx context.Context, d *keyrelay.Delivery) {
	start := w.Now()
	n := d.Attempts + 1
	dest := displayName(d.Destination)
	w.emit(d.CaptureUUID, d.Destination, keyrelay.DeliveryInProgress,
		dest+"に配信中です…", "Delivering to "+dest+"…")

	r := w.run(ctx, d, n)
	log := w.Logger.With("delivery_id", d.ID, "capture_id", d.CaptureUUID, "shop_id", d.ShopID,
		"app", d.AppName, "destination", d.Destination, "attempt", n,
		"took", w.Now().Sub(start).Round(time.Millisecond))
	if r.err != nil {
		log = log.With("code", keyrelay.ErrorCode(r.err), "err", redact(r.err.Error(), r.secrets))
	}
	if r.interrupted {
		w.emit(d.CaptureUUID, d.Destination, keyrelay.DeliveryPending,
			"ヘルパーの終了で配信を中断しました。次の起動時に配信します。",
			"Delivery was interrupted by the helper shutting down; it resumes at the next start.")
		log.Info("outbox: delivery interrupted by shutdown; its lease is released")
		return
	}

	a := &keyrelay.DeliveryAttempt{DeliveryID: d.ID, StartedAt: start, FinishedAt: w.Now(), Result: r.status,
		Quote: r.quote, CredentialsID: r.credsID, LoginID: r.loginID}
	if r.status != keyrelay.DeliveryDelivered && r.status != keyrelay.DeliveryAlreadyCurrent {
		a.Error, a.ErrorEn = r.ja, r.en
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	stored, err := w.Deliveries.RecordAttempt(rctx, d.ID, a, r.next)
	switch {
	case keyrelay.ErrorCode(err) == keyrelay.ECONFLICT:
		// Superseded (or reclaimed after our lease ran out) while we worked.
		// Not a failure: whoever owns the row now reports on it.
		status := "unknown"
		if cur, ferr := w.Deliveries.FindDeliveryByID(rctx, d.ID); ferr == nil {
			status = cur.Status
			if cur.Status == keyrelay.DeliverySuperseded {
				w.emit(d.CaptureUUID, d.Destination, cur.Status,
					"新しいキーが取得されたため、このキーの配信は取り消されました。",
					"A newer key was captured, so this one was not delivered.")
			}
		}
		log.Info("outbox: attempt not recorded, delivery changed meanwhile", "result", r.status, "now", status)
		return
	case err != nil:
		// The lease expires and the delivery is claimed again; a key that
		// did reach GoQ is then found already current, not posted twice.
		log.Error("outbox: recording attempt failed", "result", r.status, "record_err", err)
		return
	}

	w.emitEvent(keyrelay.DeliveryEvent{CaptureUUID: d.CaptureUUID, Destination: d.Destination, Status: stored.Status,
		Detail: r.ja, DetailEn: r.en, Quote: stored.Quote, LoginID: stored.LoginID})
	if keyrelay.DeliveryFinal(stored.Status) && w.Events != nil {
		w.Events.AlertsChanged()
	}
	log = log.With("result", stored.Status, "login_id", r.loginID)
	switch stored.Status {
	case keyrelay.DeliveryDelivered, keyrelay.DeliveryAlreadyCurrent:
		log.Info("outbox: delivered", "key_last4", r.keyLast4)
	case keyrelay.DeliveryWaitingLogin:
		log.Info("outbox: waiting for destination login")
	case keyrelay.DeliveryWaitingBrowser:
		log.Info("outbox: waiting for the browser")
	case keyrelay.DeliveryWaitingAccount:
		log.Info("outbox: waiting for the right GoQ account")
	case keyrelay.DeliveryPending:
		log.Warn("outbox: attempt failed, will retry", "next_attempt_at", r.next)
	default:
		log.Warn("outbox: delivery needs attention")
	}
}

// run does the work of one attempt and decides its result, with the login it
// used.
func (w *Worker) run(ctx context.Context, d *keyrelay.Delivery, n int) result {
	var creds *keyrelay.Credentials
	r := w.deliver(ctx, d, n, &creds)
	if creds != nil {
		r.credsID, r.loginID = creds.ID, creds.LoginID
	}
	return r
}

// deliver is run without the bookkeeping; it sets *used to the login once
// it has one.
func (w *Worker) deliver(ctx context.Context, d *keyrelay.Delivery, n int, used **keyrelay.Credentials) result {
	dest := displayName(d.Destination)
	target, ok := w.Destinations[d.Destination]
	if !ok {
		return w.giveUp(n, keyrelay.Errorf(keyrelay.EINTERNAL,
			"配信先「%s」はこのヘルパーに設定されていません。",
			"Destination %q is not configured in this helper.", d.Destination))
	}
	c, err := w.Captures.FindCaptureByID(ctx, d.CaptureID)
	if keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND {
		return w.giveUp(n, fmt.Errorf("outbox: capture %d: %w", d.CaptureID, err))
	} else if err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: find capture %d: %w", d.CaptureID, err), nil)
	}
	shop, err := w.Shops.FindShopByID(ctx, d.ShopID)
	if err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: find shop %d: %w", d.ShopID, err), nil)
	}
	if browser, err := w.browserMode(ctx, d, shop); err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: delivery mode: %w", err), nil)
	} else if browser {
		return w.deliverInBrowser(ctx, d, c, shop, n, used)
	}
	creds, err := w.Credentials.FindCredentials(ctx, d.Destination, shopKey(shop))
	if keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND {
		return result{
			status: keyrelay.DeliveryWaitingLogin,
			ja: fmt.Sprintf("%sのログイン情報（%s）が未設定です。設定画面でログインIDとパスワードを登録すると自動で配信します。",
				dest, shop.DisplayName()),
			en: fmt.Sprintf("No %s login is set for %s. Set the login ID and password in the settings and delivery starts automatically.",
				dest, shop.DisplayName()),
		}
	} else if err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: find credentials: %w", err), nil)
	}
	*used = creds
	secrets := []string{creds.Password}
	key, err := w.Captures.RevealKey(ctx, c.ID)
	if err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: reveal key of capture %d: %w", c.ID, err), secrets)
	}
	secrets = append(secrets, key)

	// Deliver must end well inside the lease, so no other worker can
	// reclaim the delivery while this one may still be posting.
	timeout := w.Lease / 2
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := safeDeliver(dctx, target, keyrelay.DeliveryRequest{Shop: shop, Capture: c, Key: key, Creds: creds})
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && keyrelay.ErrorCode(err) == keyrelay.EINTERNAL {
			err = fmt.Errorf("%w (%w)", keyrelay.Errorf(keyrelay.EUNAVAILABLE,
				"%sが%v以内に応答しませんでした。", "%s did not answer within %v.", dest, timeout), err)
		}
		r := w.failed(ctx, n, err, secrets)
		r.keyLast4 = c.KeyLast4
		var ke *keyrelay.Error
		if errors.As(err, &ke) && ke.Quote != "" {
			// GoQ's words are shown as GoQ's, verbatim but for the key
			// (a page may echo the value it refused) and the password.
			r.quote = keyrelay.CleanQuote(ke.Quote, key, c.KeyLast4, creds.Password)
		}
		return r
	}
	r := result{status: res.Status, keyLast4: c.KeyLast4, secrets: secrets}
	switch res.Status {
	case keyrelay.DeliveryAlreadyCurrent:
		r.ja = fmt.Sprintf("%sには既にこのキー（末尾4桁: %s）が設定されていました。", dest, c.KeyLast4)
		r.en = fmt.Sprintf("%s already held this key (last 4: %s).", dest, c.KeyLast4)
	default:
		r.status = keyrelay.DeliveryDelivered
		r.ja = fmt.Sprintf("%sに配信し、保存を確認しました（末尾4桁: %s）。", dest, c.KeyLast4)
		r.en = fmt.Sprintf("Delivered to %s and verified (last 4: %s).", dest, c.KeyLast4)
	}
	return r
}

// failed applies the retry policy to err from attempt number n.
func (w *Worker) failed(ctx context.Context, n int, err error, secrets []string) result {
	if ctx.Err() != nil {
		return result{interrupted: true, err: err, secrets: secrets}
	}
	if n >= attemptLimit(err, w.MaxAttempts) {
		r := w.giveUp(n, err)
		r.secrets = secrets
		return r
	}
	next := w.Now().Add(w.backoff(n))
	ja, en := message(err)
	return result{
		status:  keyrelay.DeliveryPending,
		next:    next,
		err:     err,
		ja:      fmt.Sprintf("%s（%d回目の試行。%sに自動で再試行します）", ja, n, keyrelay.FormatDateTime(next)),
		en:      fmt.Sprintf("%s (attempt %d; retrying automatically at %s)", en, n, keyrelay.FormatDateTime(next)),
		secrets: secrets,
	}
}

func (w *Worker) giveUp(n int, err error) result {
	ja, en := message(err)
	if keyrelay.ErrorCode(err) == keyrelay.EREJECTED {
		// Retrying would post the same refused key: say what helps instead.
		return result{
			status: keyrelay.DeliveryNeedsAttention,
			err:    err,
			ja:     ja + "（GoQが受け付けなかったため再送していません。GoQの表示を確認し、必要ならRMSでキーを取得し直してください）",
			en:     en + " (not sent again, since GoQ refused it; read GoQ's message and, if needed, capture the key from RMS again)",
		}
	}
	return result{
		status: keyrelay.DeliveryNeedsAttention,
		err:    err,
		ja:     fmt.Sprintf("%s（%d回試行して自動の再試行を停止しました。設定を確認して「今すぐ再試行」を押してください）", ja, n),
		en:     fmt.Sprintf("%s (stopped after %d attempts; check the settings, then press Retry now)", en, n),
	}
}

// message is ErrorMessage, except that an error that is not a keyrelay.Error
// coming out of a delivery is nearly always the network, which the operator
// can act on, unlike "internal error".
func message(err error) (ja, en string) {
	var ke *keyrelay.Error
	switch {
	case errors.As(err, &ke) && ke.Code == keyrelay.EREJECTED && ke.Message == "":
		return "GoQSystemがライセンスキーを受け付けませんでした（GoQの表示を確認してください）。",
			"GoQSystem did not accept the license key (see GoQ's message)."
	case errors.As(err, &ke):
		return ke.Message, ke.MessageEn
	}
	return "通信またはデータベースのエラーで配信できませんでした（詳細はヘルパーのログにあります）。",
		"Delivery failed with a network or database error (details in the helper's log)."
}

func (w *Worker) emit(uuid, destination, status, ja, en string) {
	w.emitEvent(keyrelay.DeliveryEvent{CaptureUUID: uuid, Destination: destination, Status: status, Detail: ja, DetailEn: en})
}

func (w *Worker) emitEvent(ev keyrelay.DeliveryEvent) {
	if w.Events == nil {
		return
	}
	ev.At = w.Now()
	w.Events.DeliveryChanged(ev)
}

// shopKey is the identity credentials are stored under (ShopRef.Key()).
func shopKey(s *keyrelay.Shop) string {
	if s.Key != "" {
		return s.Key
	}
	return s.Ref.Key()
}

func displayName(destination string) string {
	if destination == "goq" {
		return "GoQSystem"
	}
	return destination
}

// redact removes secrets from text bound for the log. Errors from the
// network stack quote URLs and bodies; neither should hold a key, but the log
// is not where we find out.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// safeDeliver turns a panic inside a destination (a page its parser did not
// expect) into an ordinary failed attempt, so one odd page cannot stop the
// helper. The panic value is not kept: it may quote the page, and the page
// may show the key.
func safeDeliver(ctx context.Context, target keyrelay.Destination, req keyrelay.DeliveryRequest) (res keyrelay.DeliveryResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = keyrelay.Errorf(keyrelay.EINVALID,
				"%sの画面を処理中に予期しないエラーが発生しました。画面の形式が変わった可能性があります。",
				"keyrelay failed unexpectedly while reading the %s page; its layout may have changed.", target.Name())
		}
	}()
	return target.Deliver(ctx, req)
}
