package osmem

import (
	"os"
	"strconv"
	"strings"
)

// FileResident is how many bytes of file-backed (and shared) memory this
// process has resident: the "shared" field of /proc/self/statm, which is
// RssFile plus RssShmem. 0 when unknown. The helper reads it to see that
// code pages it unmapped (ReleaseFilePages) came back while it was idle.
func FileResident() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0
	}
	pages, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
