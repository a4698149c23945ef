package osmem

import "testing"

// The selection is what keeps MADV_DONTNEED safe: only the executable's
// private, read-only mappings without a copy-on-write page (not libc's,
// not another file with the same inode on another device).
func TestReleasable(t *testing.T) {
	smaps := `00400000-00403000 r--p 00000000 fe:00 10029236                           /opt/keyrelay/keyrelay
Size:                 12 kB
Rss:                  12 kB
Anonymous:             0 kB
00403000-00aad000 r-xp 00003000 fe:00 10029236                           /opt/keyrelay/keyrelay
Size:               6824 kB
Rss:                6824 kB
Anonymous:             0 kB
010ed000-010f0000 r--p 00ced000 fe:00 10029236                           /opt/keyrelay/keyrelay
Size:                 12 kB
Rss:                  12 kB
Anonymous:             4 kB
010f0000-0120a000 rw-p 00cf0000 fe:00 10029236                           /opt/keyrelay/keyrelay
Size:               1128 kB
Rss:                 580 kB
Anonymous:           104 kB
0c509000-0c5e6000 rw-p 00000000 00:00 0                                  [heap]
Size:                884 kB
Rss:                 880 kB
Anonymous:           880 kB
7f9ed5c19000-7f9ed5c21000 rw-s 00000000 fe:00 10029249                   /home/op/.local/share/keyrelay/keyrelay.db-shm
Size:                 32 kB
Rss:                  32 kB
Anonymous:             0 kB
7f9ed5f6c000-7f9ed60c2000 r-xp 00026000 fe:00 326269                     /usr/lib/x86_64-linux-gnu/libc.so.6
Size:               1368 kB
Rss:                 976 kB
Anonymous:             0 kB
7f9ed60c2000-7f9ed6115000 r--p 0017c000 fe:00 326269                     /usr/lib/x86_64-linux-gnu/libc.so.6
Size:                332 kB
Rss:                   0 kB
Anonymous:             0 kB
7f9ed6115000-7f9ed6119000 r--p 001cf000 fe:00 326269                     /usr/lib/x86_64-linux-gnu/libc.so.6
Size:                 16 kB
Rss:                  16 kB
Anonymous:            16 kB
7f9ed6138000-7f9ed61ac000 r-xp 00010000 fe:00 326591                     /usr/lib/x86_64-linux-gnu/lib with space.so
Size:                464 kB
Rss:                 224 kB
Anonymous:             0 kB
7f9ed6300000-7f9ed6310000 r-xp 00000000 fe:01 10029236                   /mnt/other/keyrelay
Size:                 64 kB
Rss:                  64 kB
Anonymous:             0 kB
7ffddda7e000-7ffddda80000 r-xp 00000000 00:00 0                          [vdso]
Size:                  8 kB
Rss:                   8 kB
Anonymous:             0 kB
7f9ed6200000-7f9ed6210000 r--p 00000000 00:00 0 
Size:                 64 kB
Rss:                  64 kB
Anonymous:             0 kB
`
	got := releasable([]byte(smaps), fileID{"fe:00", "10029236"})
	want := []mapping{
		{0x00400000, 0x00403000, 12 << 10},
		{0x00403000, 0x00aad000, 6824 << 10},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d mappings %x, want %d %x", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d: got %x, want %x", i, got[i], want[i])
		}
	}
}

// A mapping whose Anonymous line is unreadable is kept.
func TestReleasableUnreadable(t *testing.T) {
	smaps := `00403000-00aad000 r-xp 00003000 fe:00 10029236 /opt/keyrelay/keyrelay
Rss:                6824 kB
Anonymous:             ? kB
`
	if got := releasable([]byte(smaps), fileID{"fe:00", "10029236"}); len(got) != 0 {
		t.Fatalf("got %x, want nothing", got)
	}
}
