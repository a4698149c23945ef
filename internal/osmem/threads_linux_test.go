package osmem

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tids is the set of this process's OS thread ids.
func tids(t *testing.T) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		out[e.Name()] = true
	}
	return out
}

// TestShedThreadsEndsParkedThreads: threads parked after work are ended.
// With one P, each goroutine ShedThreads starts runs on the thread that
// started it, which then exits, and the next one runs on a parked thread
// (four are parked here on purpose), so a thread from before must be gone.
func TestShedThreadsEndsParkedThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// Park four threads: goroutines locked to threads of their own, which
	// then unlock and exit, leaving the threads idle in the runtime.
	parked := make(chan int)
	release := make(chan struct{})
	for range 4 {
		go func() {
			runtime.LockOSThread()
			parked <- unix.Gettid()
			<-release
			runtime.UnlockOSThread()
		}()
	}
	ids := map[int]bool{}
	for range 4 {
		ids[<-parked] = true
	}
	close(release)
	before := tids(t)
	for id := range ids {
		if !before[strconv.Itoa(id)] {
			t.Fatalf("thread %d not in /proc/self/task", id)
		}
	}
	n := Threads()
	if n < 5 {
		t.Fatalf("Threads() = %d, want at least the four parked and this one", n)
	}
	ShedThreads(3)
	// A thread leaves /proc/self/task a moment after it hands its P on.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		after := tids(t)
		for id := range before {
			if !after[id] {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no thread ended: %d before, %d after", len(before), len(after))
		}
	}
}
