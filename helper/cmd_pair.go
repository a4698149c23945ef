package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"keyrelay/internal/keyrelay"
)

func cmdPair(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("pair", flag.ContinueOnError)
	c.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if len(args) == 0 {
		return fmt.Errorf("usage: keyrelay pair list|approve CODE|revoke ID|rename ID NAME")
	}
	sub := args[0]
	if sub != "list" && sub != "approve" && sub != "revoke" && sub != "rename" {
		return unknownSub("pair", sub, []string{"list", "approve", "revoke", "rename"})
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	st, err := openStore(&c, nil)
	if err != nil {
		return err
	}
	defer st.Close()

	switch sub {
	case "list":
		ps, err := st.pairings.FindPairings(ctx, keyrelay.PairingFilter{})
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			if ps == nil {
				ps = []*keyrelay.Pairing{}
			}
			return enc.Encode(ps)
		}
		// Names and origins come from whatever connected: printed only
		// through keyrelay.Printable, so they cannot drive the terminal.
		now := time.Now()
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\t状態 STATUS\tコード CODE\t名前 NAME\t接続元 ORIGIN\tCLIENT ID\t作成 CREATED")
		for _, p := range ps {
			code, created := "-", keyrelay.FormatDateTime(p.CreatedAt)
			if p.Status == keyrelay.PairingPending {
				code = p.Code
				created += " (" + keyrelay.PairingAge(now, p.CreatedAt) + ")"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Status, code, keyrelay.Printable(p.Name),
				keyrelay.Printable(p.Origin), keyrelay.Printable(p.ClientID), created)
		}
		return tw.Flush()
	case "approve":
		if len(pos) != 1 {
			return fmt.Errorf("usage: keyrelay pair approve CODE (拡張機能に表示された6桁のコード / the 6-digit code the extension shows)")
		}
		// The store refuses a code that matches more than one pending
		// request (ECONFLICT): the operator could not tell which is theirs.
		p, err := st.pairings.ApprovePairing(ctx, pos[0])
		if err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditPairApproved, ClientID: p.ClientID, Origin: p.Origin,
			Reason: "approved from the command line: " + strconv.Quote(p.Name)})
		fmt.Printf("承認しました / approved:\n  ブラウザ browser: %s\n  接続元 origin:    %s\n  申請 requested:   %s (%s)\n  CLIENT ID:        %s\n"+
			"心当たりがなければ取り消してください / if this was not your browser, revoke it: keyrelay pair revoke %d\n",
			keyrelay.Printable(p.Name), keyrelay.Printable(p.Origin), keyrelay.FormatDateTime(p.CreatedAt),
			keyrelay.PairingAge(time.Now(), p.CreatedAt), keyrelay.Printable(p.ClientID), p.ID)
		return nil
	case "revoke":
		if len(pos) != 1 {
			return fmt.Errorf("usage: keyrelay pair revoke ID (see 'keyrelay pair list')")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("pairing id %q: want a positive number from 'keyrelay pair list' / ID は keyrelay pair list の番号です", pos[0])
		}
		if err := st.pairings.RevokePairing(ctx, id); err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditPairRevoked, Reason: "revoked from the command line: pairing " + pos[0]})
		fmt.Println("取り消しました / revoked")
		return nil
	case "rename":
		if len(pos) != 2 {
			return fmt.Errorf("usage: keyrelay pair rename ID NAME (see 'keyrelay pair list')")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("pairing id %q: %w", pos[0], err)
		}
		if err := st.pairings.RenamePairing(ctx, id, pos[1]); err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditPairRenamed, Reason: "renamed from the command line: pairing " + pos[0]})
		fmt.Println("名前を変更しました / renamed")
		return nil
	}
	return nil
}
