package web

import (
	"net/http"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

type captureData struct {
	Capture    *keyrelay.Capture
	ShopName   string
	Previous   *keyrelay.Capture
	Changes    []string
	Deliveries []deliveryView
}

type deliveryView struct {
	*keyrelay.Delivery
	Label    deliveryLabel
	Error    string
	Tries    []attemptView
	CanRetry bool
}

type attemptView struct {
	*keyrelay.DeliveryAttempt
	Label deliveryLabel
	Error string
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) handleCapture(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	c, err := s.Captures.FindCaptureByID(ctx, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := s.newView(r, "capture.title", "home")
	l := v.L
	d := &captureData{Capture: c, ShopName: (&keyrelay.Shop{Ref: c.Shop}).DisplayName()}
	if sh, err := s.Shops.FindShopByID(ctx, c.ShopID); err == nil {
		d.ShopName = sh.DisplayName()
	} else if keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
		s.renderError(w, r, err)
		return
	}
	prev, err := s.Captures.PreviousCapture(ctx, c)
	switch {
	case err == nil:
		d.Previous = prev
		d.Changes = captureChanges(l, prev, c)
	case keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND:
		s.renderError(w, r, err)
		return
	}
	ds, err := s.Deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: c.ID})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, dl := range ds {
		dv := deliveryView{
			Delivery: dl,
			Label:    newDeliveryLabel(l, dl),
			Error:    l.Pick(dl.LastError, dl.LastErrorEn),
			CanRetry: dl.Status == keyrelay.DeliveryNeedsAttention || dl.Status == keyrelay.DeliveryPending,
		}
		atts, err := s.Deliveries.FindAttempts(ctx, dl.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, a := range atts {
			dv.Tries = append(dv.Tries, attemptView{
				DeliveryAttempt: a,
				Label:           deliveryLabel{Label: l.Status(a.Result, 1), Class: statusClass(a.Result)},
				Error:           l.Pick(a.Error, a.ErrorEn),
			})
		}
		d.Deliveries = append(d.Deliveries, dv)
	}
	if r.URL.Query().Get("retried") == "1" {
		v.Flash = l.T("page.retry_ok")
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "capture", v)
}

// captureChanges describes, in l, what differs between prev and c: the key
// (by fingerprint, never by value), expiry, state and the API list.
func captureChanges(l lang, prev, c *keyrelay.Capture) []string {
	var out []string
	if prev.KeyFingerprint != c.KeyFingerprint {
		out = append(out, l.Tf("change.key", keyrelay.MaskKey(prev.KeyLast4), keyrelay.MaskKey(c.KeyLast4)))
	} else {
		out = append(out, l.T("change.key_same"))
	}
	if prev.Expiry != c.Expiry {
		out = append(out, l.Tf("change.expiry", orDash(prev.Expiry), orDash(c.Expiry)))
	}
	if ps, cs := stateText(l, prev), stateText(l, c); ps != cs {
		out = append(out, l.Tf("change.state", orDash(ps), orDash(cs)))
	}
	before := map[string]bool{}
	for _, a := range prev.APIs {
		before[a.Name] = true
	}
	now := map[string]bool{}
	for _, a := range c.APIs {
		now[a.Name] = true
		if !before[a.Name] {
			out = append(out, l.Tf("change.api_added", a.Name))
		}
	}
	for _, a := range prev.APIs {
		if !now[a.Name] {
			out = append(out, l.Tf("change.api_removed", a.Name))
		}
	}
	return out
}

// stateText is the 状態 column as RMS shows it: the state, plus 更新あり
// when an update is pending and the state text does not already say so.
func stateText(l lang, c *keyrelay.Capture) string {
	st := c.State
	if c.UpdatePending && !strings.Contains(st, "更新あり") {
		st = strings.TrimSpace(st + " " + l.T("board.update"))
	}
	return st
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// handleRetry makes a delivery due now and wakes the outbox.
func (s *Server) handleRetry(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	d, err := s.Deliveries.FindDeliveryByID(ctx, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.Deliveries.RetryNow(ctx, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.wakeOutbox()
	http.Redirect(w, r, "/captures/"+strconv.FormatInt(d.CaptureID, 10)+"?retried=1", http.StatusSeeOther)
}

func (s *Server) wakeOutbox() {
	if s.Outbox != nil {
		s.Outbox.Wake()
	}
}
