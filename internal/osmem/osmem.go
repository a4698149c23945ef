// Package osmem hands memory the helper does not need while idle back to
// the operating system. It holds the OS-specific calls; the helper decides
// when (helper/memtrim.go).
package osmem

// Released says what ReleaseFilePages did.
type Released struct {
	Mappings int   // read-only file mappings released
	Bytes    int64 // of their pages that were resident before
}
