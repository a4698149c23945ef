package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"keyrelay/internal/keyrelay"
)

func cmdHistory(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	c.register(fs)
	asJSON := fs.Bool("json", false, "print JSON (the key itself is never printed, only its last 4 characters)")
	limit := fs.Int("n", 50, "how many captures, newest first (1–1000)")
	query := fs.String("q", "", "only captures matching this text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := intInRange("n", *limit, 1, 1000); err != nil {
		return err
	}
	st, err := openStore(&c, nil)
	if err != nil {
		return err
	}
	defer st.Close()

	cs, total, err := st.captures.FindCaptures(ctx, keyrelay.CaptureFilter{Query: *query, Limit: *limit})
	if err != nil {
		return err
	}
	type row struct {
		*keyrelay.Capture
		Deliveries []*keyrelay.Delivery `json:"deliveries"`
	}
	rows := make([]row, 0, len(cs))
	for _, cp := range cs {
		ds, err := st.deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: cp.ID})
		if err != nil {
			return err
		}
		rows = append(rows, row{cp, ds})
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"total": total, "captures": rows})
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t取得日時\t店舗\tアプリ\tキー\t有効期限\t状態\t送信")
	for _, r := range rows {
		status := "-"
		for _, d := range r.Deliveries {
			status = d.Destination + ":" + d.Status + deliveryNote(d)
		}
		// Shop and app names, expiry and state were read off RMS pages:
		// printed only through keyrelay.Printable.
		p := keyrelay.Printable
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, keyrelay.FormatDateTime(r.CapturedAt),
			p(shopLabel(r.Shop)), p(r.AppName), p(keyrelay.MaskKey(r.KeyLast4)), p(r.Expiry), p(r.State), p(status))
	}
	fmt.Fprintf(tw, "\n%d件中%d件 / %d of %d\n", total, len(rows), len(rows), total)
	return tw.Flush()
}

func shopLabel(s keyrelay.ShopRef) string {
	switch {
	case s.Name != "":
		return s.Name
	case s.ID != "":
		return s.ID
	}
	return s.URL
}

// deliveryNote is the GoQ login that got the key and GoQ's own words, for
// the text table (the JSON has them as login_id and quote). A delivery
// waiting for the shop's GoQ account says why instead: the login the GoQ
// tab was in is another shop's, and "[GoQログイン B]" beside shop A would
// read as if B were A's account (the JSON keeps login_id).
func deliveryNote(d *keyrelay.Delivery) string {
	if d.Status == keyrelay.DeliveryWaitingAccount && d.LastError != "" {
		return " [" + d.LastError + "]"
	}
	var s string
	if d.LoginID != "" {
		s += " [GoQログイン " + d.LoginID + "]"
	}
	if d.Quote != "" {
		s += " GoQの表示:「" + d.Quote + "」"
	}
	return s
}
