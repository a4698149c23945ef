package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"keyrelay/internal/keyrelay"
)

// pageSize is how many captures a history page shows.
const pageSize = 50

// textCountLimit is where a text filter's count stops: counting every one
// of 100k matches would cost more than the page itself.
const textCountLimit = 1000

type homeData struct {
	Alerts       []alertRow
	ShowBoard    bool
	Board        []boardRow
	BoardHidden  int // apps left off a summarised board (board.go)
	WaitingLogin bool
	Shops        []*keyrelay.Shop
	ShopID       int64
	Query        string
	Total        int
	TotalAtLeast bool // Total is textCountLimit: there may be more
	Rows         []captureRow
	NextURL      string
	FirstURL     string
	CSVURL       string
}

type alertRow struct {
	Kind    string
	Message string
}

type boardRow struct {
	*keyrelay.AppStatus
	ExpiryText string
	DaysText   string
	DaysClass  string
	Delivery   deliveryLabel
}

type captureRow struct {
	*keyrelay.Capture
	ShopName   string
	StateText  string
	Deliveries []deliveryLabel
}

type deliveryLabel struct {
	Dest  string
	Label string
	Class string
	// Login is the destination login the last attempt used; Quote the
	// destination's own words about it (shown as GoQ's, verbatim).
	Login string
	Quote string
	// Reason is what the operator must do, shown instead of the login
	// while the delivery waits for the right GoQ account: the login the
	// tab was in is the wrong one, and "GoQログインID: B" beside shop A
	// would read as if B were its account.
	Reason string
}

// listFilter is the history list's filter as it appears in the URL.
type listFilter struct {
	ShopID   int64
	Query    string
	BeforeID int64
}

func parseListFilter(r *http.Request) listFilter {
	q := r.URL.Query()
	f := listFilter{Query: strings.TrimSpace(q.Get("q"))}
	if len(f.Query) > 200 {
		f.Query = f.Query[:200]
	}
	if id, err := strconv.ParseInt(q.Get("shop"), 10, 64); err == nil && id > 0 {
		f.ShopID = id
	}
	if id, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && id > 0 {
		f.BeforeID = id
	}
	return f
}

func (f listFilter) captureFilter(limit int) keyrelay.CaptureFilter {
	cf := keyrelay.CaptureFilter{Query: f.Query, BeforeID: f.BeforeID, Limit: limit}
	if f.ShopID > 0 {
		id := f.ShopID
		cf.ShopID = &id
	}
	return cf
}

// url returns path with the filter (and before, when non-zero) as a query.
func (f listFilter) url(path string, before int64) string {
	v := url.Values{}
	if f.ShopID > 0 {
		v.Set("shop", strconv.FormatInt(f.ShopID, 10))
	}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := s.newView(r, "home.title", "home")
	l := v.L
	f := parseListFilter(r)
	d := &homeData{ShopID: f.ShopID, Query: f.Query, CSVURL: f.url("/captures.csv", 0)}

	shops, err := s.Shops.FindShops(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Shops = shops
	names := shopNames(shops)

	if s.Alerts != nil {
		alerts, err := s.Alerts.Alerts(ctx, v.Now)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, a := range alerts {
			d.Alerts = append(d.Alerts, alertRow{Kind: a.Kind, Message: l.Pick(a.Message, a.MessageEn)})
		}
	}
	if s.AppStatus != nil {
		statuses, err := s.AppStatus.FindAppStatuses(ctx)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.ShowBoard = true
		rows := make([]boardRow, 0, len(statuses))
		for _, st := range statuses {
			rows = append(rows, newBoardRow(l, st, v.Now))
		}
		d.Board, d.BoardHidden = summariseBoard(rows, r.URL.Query().Get("board") == "all")
	}
	if d.WaitingLogin, err = s.waitingLogin(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}

	// One more than a page tells whether a next page exists without a
	// second query.
	cf := f.captureFilter(pageSize + 1)
	cf.CountLimit = textCountLimit
	caps, total, err := s.Captures.FindCaptures(ctx, cf)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Total, d.TotalAtLeast = total, f.Query != "" && total == textCountLimit
	if len(caps) > pageSize {
		caps = caps[:pageSize]
		d.NextURL = f.url("/", caps[len(caps)-1].ID)
	}
	if f.BeforeID > 0 {
		d.FirstURL = f.url("/", 0)
	}
	if d.Rows, err = s.captureRows(ctx, l, caps, names); err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "home", v)
}

// waitingLogin reports whether a delivery waits because its shop has no
// GoQ login (GoQログイン待ち).
func (s *Server) waitingLogin(ctx context.Context) (bool, error) {
	ds, err := s.Deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{Status: keyrelay.DeliveryWaitingLogin, Limit: 1})
	if err != nil {
		return false, err
	}
	return len(ds) > 0, nil
}

func shopNames(shops []*keyrelay.Shop) map[int64]string {
	m := make(map[int64]string, len(shops))
	for _, sh := range shops {
		m[sh.ID] = sh.DisplayName()
	}
	return m
}

// captureRows builds a page of rows with their deliveries, fetched in one
// query for the whole page (a CSV of 100k rows would otherwise be 100k).
func (s *Server) captureRows(ctx context.Context, l lang, caps []*keyrelay.Capture, names map[int64]string) ([]captureRow, error) {
	if len(caps) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(caps))
	for i, c := range caps {
		ids[i] = c.ID
	}
	ds, err := s.Deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureIDs: ids})
	if err != nil {
		return nil, err
	}
	byCapture := map[int64][]*keyrelay.Delivery{}
	for _, d := range ds {
		byCapture[d.CaptureID] = append(byCapture[d.CaptureID], d)
	}
	rows := make([]captureRow, 0, len(caps))
	for _, c := range caps {
		row := captureRow{Capture: c, ShopName: names[c.ShopID], StateText: stateText(l, c)}
		if row.ShopName == "" {
			row.ShopName = (&keyrelay.Shop{Ref: c.Shop}).DisplayName()
		}
		for _, d := range byCapture[c.ID] {
			row.Deliveries = append(row.Deliveries, newDeliveryLabel(l, d))
		}
		if len(byCapture[c.ID]) == 0 && !keyrelay.DeliversTo(keyrelay.DestinationGoQ, c) {
			row.Deliveries = append(row.Deliveries, notTargetLabel(l))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// notTargetLabel marks an app whose key keyrelay keeps but posts nowhere
// (the shop's own app, another developer's): "未送信" would read as a failure.
func notTargetLabel(l lang) deliveryLabel {
	return deliveryLabel{Label: l.T("status.not_target"), Class: "muted"}
}

func newDeliveryLabel(l lang, d *keyrelay.Delivery) deliveryLabel {
	dl := deliveryLabel{Dest: d.Destination, Label: l.Status(d.Status, d.Attempts), Class: statusClass(d.Status),
		Login: d.LoginID, Quote: d.Quote}
	if d.Status == keyrelay.DeliveryWaitingAccount && d.LastError != "" {
		dl.Reason, dl.Login = l.Pick(d.LastError, d.LastErrorEn), ""
	}
	return dl
}

func newBoardRow(l lang, st *keyrelay.AppStatus, now time.Time) boardRow {
	row := boardRow{AppStatus: st, ExpiryText: st.Expiry, DaysText: "-", DaysClass: "muted"}
	if !st.ExpiresAt.IsZero() {
		row.ExpiryText = keyrelay.FormatDate(st.ExpiresAt)
		n := daysLeft(now, st.ExpiresAt)
		switch {
		case n < 0:
			row.DaysText, row.DaysClass = l.T("board.expired"), "bad"
		case n == 0:
			row.DaysText, row.DaysClass = l.T("board.today"), "bad"
		default:
			row.DaysText, row.DaysClass = l.Tf("board.days", n), "ok"
			if n <= 14 {
				row.DaysClass = "wait"
			}
		}
	}
	if row.ExpiryText == "" {
		row.ExpiryText = "-"
	}
	row.Delivery = deliveryLabel{Label: l.Status(st.LastDelivery, 0), Class: statusClass(st.LastDelivery)}
	if st.LastDelivery == "" && !keyrelay.DeliversTo(keyrelay.DestinationGoQ, &keyrelay.Capture{AppName: st.AppName, Developer: st.Developer}) {
		row.Delivery = notTargetLabel(l)
	}
	return row
}

// daysLeft counts calendar days in JST from now until exp's date, as an
// operator reading RMS's 有効期限 would: the expiry day itself is 0.
func daysLeft(now, exp time.Time) int {
	y1, m1, d1 := now.In(keyrelay.JST).Date()
	y2, m2, d2 := exp.In(keyrelay.JST).Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
