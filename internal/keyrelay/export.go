package keyrelay

import "context"

// CaptureExporter streams the history for the CSV export.
type CaptureExporter interface {
	// EachCapture calls fn for every capture matching f's shop and text
	// (BeforeID, Limit and CountLimit are ignored), newest first, from one
	// query that joins each capture's deliveries, so memory stays flat
	// however long the history is. The capture has no APIs, client id or
	// key fingerprint; each delivery only its destination, status and
	// attempts. An error from fn stops the walk and is returned.
	EachCapture(ctx context.Context, f CaptureFilter, fn func(*Capture, []*Delivery) error) error
}
