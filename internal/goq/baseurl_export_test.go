package goq

// This package's tests serve fake GoQ pages on loopback (httptest).
func init() { loopbackAllowed.Store(true) }

// SetLoopbackAllowed switches the exception for one test and returns the
// restore function.
func SetLoopbackAllowed(on bool) (restore func()) {
	old := loopbackAllowed.Swap(on)
	return func() { loopbackAllowed.Store(old) }
}
