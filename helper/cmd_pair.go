package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

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
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\t状態 STATUS\tコード CODE\t名前 NAME\tCLIENT ID\t作成 CREATED")
		for _, p := range ps {
			code := "-"
			if p.Status == keyrelay.PairingPending {
				code = p.Code
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Status, code, p.Name, p.ClientID, keyrelay.FormatDateTime(p.CreatedAt))
		}
		return tw.Flush()
	case "approve":
		if len(pos) != 1 {
			return fmt.Errorf("usage: keyrelay pair approve CODE (拡張機能に表示された6桁のコード / the 6-digit code the extension shows)")
		}
		p, err := st.pairings.ApprovePairing(ctx, pos[0])
		if err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditPairApproved, ClientID: p.ClientID, Origin: p.Origin, Reason: "approved from the command line"})
		fmt.Printf("承認しました / approved: %s (%s)\n", p.Name, p.ClientID)
		return nil
	case "revoke":
		if len(pos) != 1 {
			return fmt.Errorf("usage: keyrelay pair revoke ID (see 'keyrelay pair list')")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("pairing id %q: %w", pos[0], err)
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
	return fmt.Errorf("unknown pair command %q: use list, approve, revoke or rename", sub)
}
