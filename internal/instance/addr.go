package instance

import (
	"fmt"
	"os"
	"path/filepath"
)

// RecordAddr rewrites the lock file's address with the one the helper really
// listens on, once it is bound: with --addr 127.0.0.1:0 only then is the port
// known, and `keyrelay open` builds its login link from it. The caller holds
// the lock (Lock), so no other helper writes this file meanwhile.
func RecordAddr(dataDir, addr string) error {
	f, err := os.OpenFile(filepath.Join(dataDir, FileName), os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("instance: record address: %w", err)
	}
	defer f.Close()
	return writeOwner(f, addr)
}
