package keyrelay_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
)

type stateRow struct {
	ID      string            `json:"id"`
	Group   string            `json:"group"`
	Badge   string            `json:"badge"`
	Popup   map[string]string `json:"popup"`
	Options map[string]string `json:"options"`
	Tray    map[string]string `json:"tray"`
}

func loadStates(t *testing.T) []stateRow {
	t.Helper()
	data, err := os.ReadFile("testdata/states.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		States []stateRow `json:"states"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v.States
}

// TestTrayLinesMatchVectors: the tray says what the shared table says.
func TestTrayLinesMatchVectors(t *testing.T) {
	rows := loadStates(t)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
		got, ok := keyrelay.TrayLines()[r.ID]
		if r.Tray["ja"] == "" {
			if ok {
				t.Errorf("%s: the tray has a line %q, the table none", r.ID, got)
			}
			continue
		}
		if got[0] != r.Tray["ja"] || got[1] != r.Tray["en"] {
			t.Errorf("%s: tray %q, table %q / %q", r.ID, got, r.Tray["ja"], r.Tray["en"])
		}
	}
	for id := range keyrelay.TrayLines() {
		if !seen[id] {
			t.Errorf("tray state %s is not in the table", id)
		}
	}
	for _, st := range []string{keyrelay.DeliveryWaitingLogin, keyrelay.DeliveryPending, keyrelay.DeliveryInProgress,
		keyrelay.DeliveryDelivered, keyrelay.DeliveryAlreadyCurrent, keyrelay.DeliverySuperseded, keyrelay.DeliveryNeedsAttention, ""} {
		if !seen[keyrelay.DeliveryState(st)] {
			t.Errorf("delivery status %q maps to %q, not a state", st, keyrelay.DeliveryState(st))
		}
	}
}

// TestStatesDoc: docs/STATES.md's table is the vector file, row for row.
func TestStatesDoc(t *testing.T) {
	const path = "../../docs/STATES.md"
	const begin, end = "<!-- states:begin (generated from internal/keyrelay/testdata/states.json) -->", "<!-- states:end -->"
	var b strings.Builder
	b.WriteString(begin + "\n\n| state | badge | popup | options | tray |\n| --- | --- | --- | --- | --- |\n")
	cell := func(m map[string]string) string {
		if m["ja"] == "" {
			return "—"
		}
		return strings.ReplaceAll(m["ja"]+"<br>"+m["en"], "|", "\\|")
	}
	for _, r := range loadStates(t) {
		badge := "(none)"
		if r.Badge != "" {
			badge = "`" + r.Badge + "`"
		}
		b.WriteString("| `" + r.ID + "` (" + r.Group + ") | " + badge + " | " + cell(r.Popup) + " | " + cell(r.Options) + " | " + cell(r.Tray) + " |\n")
	}
	b.WriteString("\n" + end)
	want := b.String()
	doc, err := os.ReadFile(path)
	if err != nil && !*update {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if *update {
		if i < 0 || j < i {
			t.Fatalf("%s lacks the %s … %s markers", path, begin, end)
		}
		if err := os.WriteFile(path, []byte(s[:i]+want+s[j+len(end):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if i < 0 || j < i || s[i:j+len(end)] != want {
		t.Errorf("%s is out of date with testdata/states.json: run go test ./internal/keyrelay -run TestStatesDoc -update", path)
	}
}
