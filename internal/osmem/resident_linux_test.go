package osmem

import "testing"

// The helper's binary is mapped, so some file-backed memory is resident.
func TestFileResident(t *testing.T) {
	if got := FileResident(); got <= 0 {
		t.Fatalf("FileResident() = %d, want > 0", got)
	}
}
