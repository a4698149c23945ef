package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// report collects the raw figures and the goals table.
type report struct {
	raws []string
	rows [][]string
}

func (r *report) raw(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	r.raws = append(r.raws, line)
	fmt.Println("  " + line) // as it happens, so a failed run still shows what it measured
}

func (r *report) row(figure, value, baseline, ratio, goal string, holds bool) {
	verdict := "holds"
	if !holds {
		verdict = "DOES NOT HOLD"
	}
	r.rows = append(r.rows, []string{figure, value, baseline, ratio, goal, verdict})
}

func (r *report) print() {
	if len(r.rows) == 0 {
		return
	}
	fmt.Println()
	fmt.Println("## Goals (issue 11), one run")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "figure\tvalue\tbaseline\tratio\tgoal\tverdict")
	for _, row := range r.rows {
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	w.Flush()
}

func ms(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func float(d time.Duration) float64 { return float64(d) }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}
