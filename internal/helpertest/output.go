package helpertest

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Output collects a process's output and wakes waiters on every write, so a
// test waits for a line to appear instead of sleeping and looking.
type Output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
	closed  bool
}

func NewOutput() *Output { return &Output{changed: make(chan struct{})} }

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.buf.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return n, err
}

// Close marks the end of the output (the process exited).
func (o *Output) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		close(o.changed)
		o.changed = make(chan struct{})
	}
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func (o *Output) snapshot() (string, bool, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String(), o.closed, o.changed
}

var errEnded = errors.New("the process exited first")

// WaitMatch waits until a line matches re and returns that line; it gives up
// after d or when stop is closed (nil: never).
func (o *Output) WaitMatch(re *regexp.Regexp, d time.Duration, stop <-chan struct{}) (string, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		s, closed, changed := o.snapshot()
		for _, line := range strings.Split(s, "\n") {
			if re.MatchString(line) {
				return line, nil
			}
		}
		if closed {
			return "", errEnded
		}
		select {
		case <-changed:
		case <-stop:
			// One last look: the line may have been the last write.
			stop = nil
		case <-timer.C:
			return "", errors.New("not within " + d.String())
		}
	}
}

// WaitFor waits until the output contains s.
func (o *Output) WaitFor(s string, d time.Duration) error {
	_, err := o.WaitMatch(regexp.MustCompile(regexp.QuoteMeta(s)), d, nil)
	return err
}
