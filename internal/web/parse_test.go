package web_test

import (
	"testing"
	"testing/fstest"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/web"
)

func TestMissingTemplateFailsAtStart(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/layout.html": {Data: []byte(`{{template "content" .}}`)},
		"templates/home.html":   {Data: []byte(`{{define "content"}}x{{end}}`)},
	}
	if err := web.ParsePages(fsys); err == nil {
		t.Fatal("ParsePages with most templates missing: got nil error")
	}
	if _, err := web.New(); err != nil {
		t.Fatalf("New with the embedded templates: %v", err)
	}
}

func TestEveryMessageHasBothLanguages(t *testing.T) {
	for k, ok := range web.MessageKeys() {
		if !ok {
			t.Errorf("message %q lacks Japanese or English", k)
		}
	}
}

func TestDaysLeftCountsJSTCalendarDays(t *testing.T) {
	exp := time.Date(2025, 5, 26, 0, 0, 0, 0, keyrelay.JST)
	for _, tc := range []struct {
		name string
		now  time.Time
		want int
	}{
		{"morning of the day before", time.Date(2025, 5, 25, 8, 0, 0, 0, keyrelay.JST), 1},
		{"late on the day before (UTC already the 25th afternoon)", time.Date(2025, 5, 25, 23, 59, 0, 0, keyrelay.JST), 1},
		{"the day itself", time.Date(2025, 5, 26, 18, 0, 0, 0, keyrelay.JST), 0},
		{"the day after", time.Date(2025, 5, 27, 0, 1, 0, 0, keyrelay.JST), -1},
		{"two weeks before, given in UTC", time.Date(2025, 5, 11, 16, 0, 0, 0, time.UTC), 14},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := web.DaysLeft(tc.now, exp); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
