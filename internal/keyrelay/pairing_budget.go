package keyrelay

import (
	"fmt"
	"time"
)

// MaxPendingPairings bounds the pairing requests waiting for approval at
// once. A new request beyond it drops the oldest, so a flood of requests can
// neither grow the table nor bury the real extension's code in a long list.
const MaxPendingPairings = 3

// PairingAge says how long ago a pairing was requested, for the operator who
// compares it with the moment they pressed ペアリング: "3分前 / 3 min ago".
func PairingAge(now, created time.Time) string {
	d := now.Sub(created)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d秒前 / %d s ago", int(d.Seconds()), int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d分前 / %d min ago", int(d.Minutes()), int(d.Minutes()))
	}
	return fmt.Sprintf("%d時間前 / %d h ago", int(d.Hours()), int(d.Hours()))
}
