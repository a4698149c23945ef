package sqlite

import (
	"context"
	"fmt"
	"strings"

	"keyrelay/internal/keyrelay"
)

// refuseNewerSchema refuses a database that a newer keyrelay has migrated: a
// migration recorded there that this binary does not embed means tables or
// rules this binary does not know, and writing to them could lose data.
func (db *DB) refuseNewerSchema(ctx context.Context, embedded []string) error {
	known := make(map[string]bool, len(embedded))
	for _, name := range embedded {
		known[name] = true
	}
	rows, err := db.db.QueryContext(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("sqlite: migrations: %w", err)
		}
		if !known[name] {
			unknown = append(unknown, strings.TrimPrefix(name, "migrations/"))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if len(unknown) > 0 {
		return keyrelay.Errorf(keyrelay.ECONFLICT,
			"このデータベース (%s) は新しいバージョンの keyrelay で更新されています（%s）。この keyrelay %s では開けません。新しいバージョンを使ってください。",
			"This database (%s) was upgraded by a newer keyrelay (%s); keyrelay %s cannot open it. Use the newer version.",
			db.path, strings.Join(unknown, ", "), keyrelay.Version)
	}
	return nil
}
