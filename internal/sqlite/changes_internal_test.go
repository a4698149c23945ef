package sqlite

import (
	"encoding/binary"
	"testing"
)

// TestWalIndexStamp: any header that SQLite itself would not trust reads as
// "may have changed"; a checkpoint's fields are left out, a commit's are not.
func TestWalIndexStamp(t *testing.T) {
	hdr := func(edit func(h []byte)) []byte {
		h := make([]byte, walIndexHdrSize)
		binary.NativeEndian.PutUint32(h[0:], walIndexVersion)
		binary.NativeEndian.PutUint32(h[8:], 41) // iChange
		h[12] = 1                                // isInit
		binary.NativeEndian.PutUint16(h[14:], 4096)
		binary.NativeEndian.PutUint32(h[16:], 7) // mxFrame
		binary.NativeEndian.PutUint32(h[20:], 90)
		if edit != nil {
			edit(h)
		}
		return append(h, h...)
	}
	id := []byte("dev+ino")
	base := walIndexStamp(hdr(nil), id)
	if base == "" {
		t.Fatal("a valid header gives no stamp")
	}
	torn := hdr(nil)
	torn[8]++ // the first copy rewritten, the second not yet
	for name, h := range map[string][]byte{
		"torn":          torn,
		"not init":      hdr(func(h []byte) { h[12] = 0 }),
		"other version": hdr(func(h []byte) { binary.NativeEndian.PutUint32(h[0:], 3007001) }),
		"short":         hdr(nil)[:60],
	} {
		if got := walIndexStamp(h, id); got != "" {
			t.Errorf("%s: stamp %q, want \"\"", name, got)
		}
	}
	if got := walIndexStamp(hdr(nil), []byte("another")); got.Same(base) {
		t.Error("another -shm file gives the same stamp")
	}
	checkpoint := hdr(func(h []byte) {
		binary.NativeEndian.PutUint32(h[16:], 0)  // mxFrame
		binary.NativeEndian.PutUint32(h[32:], 99) // aSalt
		binary.NativeEndian.PutUint32(h[40:], 5)  // aCksum
	})
	if got := walIndexStamp(checkpoint, id); !got.Same(base) {
		t.Error("a checkpoint's header change reads as a commit")
	}
	commit := hdr(func(h []byte) { binary.NativeEndian.PutUint32(h[8:], 42) })
	if got := walIndexStamp(commit, id); got.Same(base) {
		t.Error("iChange moved but the stamp did not")
	}
}
