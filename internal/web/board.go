package web

// boardLimit bounds the status board on the history page: an agency with
// dozens of shops has hundreds of apps, and most of them are fine. Up to
// this many the page shows every app; beyond it, only those that need the
// operator (expired or expiring within 14 days, 更新あり, a delivery not
// done), at most boardLimit of them, and a link to the whole board.
const boardLimit = 30

// needsAttention is what keeps a row on a summarised board.
func (r boardRow) needsAttention() bool {
	return r.DaysClass == "bad" || r.DaysClass == "wait" || r.UpdatePending ||
		r.Delivery.Class == "bad" || r.Delivery.Class == "wait"
}

// summariseBoard returns the rows a history page shows and how many it
// leaves out; all keeps every row (?board=all).
func summariseBoard(rows []boardRow, all bool) (shown []boardRow, hidden int) {
	if all || len(rows) <= boardLimit {
		return rows, 0
	}
	for _, r := range rows {
		if len(shown) < boardLimit && r.needsAttention() {
			shown = append(shown, r)
		}
	}
	return shown, len(rows) - len(shown)
}
