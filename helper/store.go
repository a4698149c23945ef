package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"keyrelay/internal/safefile"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// services is every store service over one open database.
type services struct {
	db          *sqlite.DB
	sealer      *secret.Sealer
	captures    *sqlite.CaptureService
	shops       *sqlite.ShopService
	pairings    *sqlite.PairingService
	audit       *sqlite.AuditService
	sessions    *sqlite.SessionService
	deliveries  *sqlite.DeliveryService
	credentials *sqlite.CredentialService
	appStatus   *sqlite.AppStatusService
	pairShops   *sqlite.PairingShopService
	modes       *sqlite.DeliveryModeService
}

// openStore opens the sealer and the database in the data dir, creating the
// dir 0700 on first use. The CLI subcommands open the same file as the
// running helper; SQLite's WAL and busy timeout make that safe.
func openStore(c *config, log *slog.Logger) (*services, error) {
	// The secrets' dir must be the operator's alone: one that another user
	// owns or may write to is refused, with the reason, before anything in
	// it is read or written.
	if err := safefile.PrepareDir(c.DataDir); err != nil {
		return nil, err
	}
	sealer, err := secret.Open(c.DataDir, c.Keyring)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	if log != nil && sealer.FallbackReason != "" {
		log.Warn("OS keyring unavailable; the data key is kept in a 0600 file instead",
			"file", filepath.Join(c.DataDir, secret.KeyFile), "reason", sealer.FallbackReason)
	}
	db, err := sqlite.Open(c.dbPath(), sealer)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return &services{
		db:          db,
		sealer:      sealer,
		captures:    sqlite.NewCaptureService(db),
		shops:       sqlite.NewShopService(db),
		pairings:    sqlite.NewPairingService(db),
		audit:       sqlite.NewAuditService(db),
		sessions:    sqlite.NewSessionService(db),
		deliveries:  sqlite.NewDeliveryService(db),
		credentials: sqlite.NewCredentialService(db),
		appStatus:   sqlite.NewAppStatusService(db),
		pairShops:   sqlite.NewPairingShopService(db),
		modes:       sqlite.NewDeliveryModeService(db),
	}, nil
}

func (s *services) Close() error { return s.db.Close() }
