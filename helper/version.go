package main

import (
	"runtime"
	"runtime/debug"
)

// commitStamp is set by `make release` (-ldflags "-X main.commitStamp=…");
// otherwise the commit Go recorded from the checkout (debug.ReadBuildInfo,
// vcs.revision) is used. keyrelay.Version is stamped the same way.
var commitStamp string

// commit is the source revision this binary was built from, "+dirty" when
// the checkout had uncommitted changes, "unknown" when neither says.
func commit() string {
	if commitStamp != "" {
		return commitStamp
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

func buildPlatform() string { return runtime.GOOS + "/" + runtime.GOARCH + ", " + runtime.Version() }
