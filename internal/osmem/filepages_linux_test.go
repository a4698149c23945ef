package osmem

import (
	"hash/crc32"
	"os"
	"strings"
	"testing"
	"unicode"
)

// written lives in the binary's writable data: releasing must never throw
// away what the process changed there.
var written = [8192]byte{1, 2, 3}

func rssFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "RssFile:") {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return "?"
}

// The real call on this test binary: its code and read-only tables come
// back intact, and writable data keeps the process's changes.
func TestReleaseFilePages(t *testing.T) {
	written[0], written[8191] = 42, 43
	// unicode's tables are read-only data of this binary.
	sum := func() uint32 {
		h := crc32.NewIEEE()
		for _, r := range unicode.Han.R16 {
			h.Write([]byte{byte(r.Lo), byte(r.Lo >> 8), byte(r.Hi), byte(r.Hi >> 8)})
		}
		return h.Sum32()
	}
	want := sum()
	before := rssFile(t)

	r, err := ReleaseFilePages()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("released %d mappings, %d KiB resident; RssFile %s before, %s after", r.Mappings, r.Bytes>>10, before, rssFile(t))
	if r.Mappings == 0 || r.Bytes == 0 {
		t.Fatalf("released %+v: the test binary's own code should qualify", r)
	}
	if got := sum(); got != want {
		t.Fatalf("read-only data changed: crc %x, want %x", got, want)
	}
	if written[0] != 42 || written[8191] != 43 {
		t.Fatalf("writable data lost the process's changes: %d, %d", written[0], written[8191])
	}
}
