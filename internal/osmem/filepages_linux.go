package osmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ReleaseFilePages unmaps the resident pages of the executable's read-only
// file mappings (its code and read-only data) with madvise(MADV_DONTNEED). The pages stay in the OS page
// cache, shared and reclaimable; the process no longer counts them in its
// RSS, and the next use of one maps it back with a minor fault (no disk
// read while the OS keeps it cached). Linux maps a whole binary at start
// (large page-cache folios), so an idle helper's RSS was mostly its own
// 15 MB of code that idle ticks never run (BENCHMARKS.md, Memory).
//
// This is what Windows tray apps get from EmptyWorkingSet, limited to what
// is safe to drop: only mappings that are private, not writable and hold no
// anonymous (copy-on-write) page, since MADV_DONTNEED on those would throw
// away the process's own changes (a relocated read-only GOT is such a
// mapping). Writable data, the heaps and stacks are never touched. A file
// that is mapped cannot change under it: Linux refuses writes to a running
// executable (ETXTBSY), and a replaced binary keeps its old inode.
func ReleaseFilePages() (Released, error) {
	exe, err := fileIDOf("/proc/self/exe")
	if err != nil {
		return Released{}, err
	}
	return advise(exe, unix.MADV_DONTNEED)
}

// advise gives advice to this process's mappings of file that releasable
// picks, and reports what was resident in them before.
func advise(file fileID, advice int) (Released, error) {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return Released{}, fmt.Errorf("osmem: %w", err)
	}
	var r Released
	for _, m := range releasable(b, file) {
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, uintptr(advice)); errno != 0 {
			return r, fmt.Errorf("osmem: madvise %x-%x: %w", m.start, m.end, errno)
		}
		r.Mappings++
		r.Bytes += m.rss
	}
	return r, nil
}

// fileIDOf is the file at path as smaps names it.
func fileIDOf(path string) (fileID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fileID{}, fmt.Errorf("osmem: %w", err)
	}
	return fileID{dev: fmt.Sprintf("%02x:%02x", unix.Major(st.Dev), unix.Minor(st.Dev)), ino: strconv.FormatUint(st.Ino, 10)}, nil
}

// mapping is one /proc/self/smaps entry that may be released.
type mapping struct {
	start, end uintptr
	rss        int64 // bytes
}

// fileID is a file as smaps names it: device (major:minor, hex) and inode.
type fileID struct{ dev, ino string }

// releasable picks from smaps text the mappings ReleaseFilePages may drop:
// of the executable itself (a shared library's could in principle be
// unmapped and its range reused between reading smaps and the madvise; the
// executable's never is), permissions exactly r-xp or r--p, no anonymous
// page, and something resident.
func releasable(smaps []byte, exe fileID) []mapping {
	var out []mapping
	var cur *mapping
	var anon, rss int64
	ok := false
	flush := func() {
		if cur != nil && ok && anon == 0 && rss > 0 {
			cur.rss = rss
			out = append(out, *cur)
		}
		cur, ok, anon, rss = nil, false, 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if header(f) {
			flush()
			start, end, perr := parseRange(f[0])
			if perr != nil {
				continue
			}
			cur = &mapping{start: start, end: end}
			ok = (f[1] == "r-xp" || f[1] == "r--p") && f[3] == exe.dev && f[4] == exe.ino && exe.ino != "0"
			continue
		}
		if cur == nil || len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Rss:":
			rss = kib(f[1])
		case "Anonymous:":
			anon = kib(f[1])
		}
	}
	flush()
	return out
}

// header reports whether smaps fields f start a mapping
// ("start-end perms offset dev inode [path]").
func header(f []string) bool {
	return len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":")
}

func parseRange(s string) (start, end uintptr, err error) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, fmt.Errorf("osmem: bad range %q", s)
	}
	x, err := strconv.ParseUint(a, 16, 64)
	if err != nil {
		return 0, 0, err
	}
	y, err := strconv.ParseUint(b, 16, 64)
	if err != nil || y <= x {
		return 0, 0, fmt.Errorf("osmem: bad range %q", s)
	}
	return uintptr(x), uintptr(y), nil
}

func kib(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1 // unreadable: treated as "has some", so not released
	}
	return n << 10
}
