package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

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
}

// openStore opens the sealer and the database in the data dir, creating the
// dir 0700 on first use. The CLI subcommands open the same file as the
// running helper; SQLite's WAL and busy timeout make that safe.
func openStore(c *config, log *slog.Logger) (*services, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	// MkdirAll leaves an existing dir as it was; the secrets' dir is the
	// operator's alone whoever made it.
	if err := os.Chmod(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
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
	}, nil
}

func (s *services) Close() error { return s.db.Close() }
