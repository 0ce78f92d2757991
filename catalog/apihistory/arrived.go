package apihistory

import (
	"context"

	"github.com/porticohq/portico/catalog/apidiff"
)

// ArrivedFunc is told of a new version of an API and its diff against the
// version before it, once, after both are stored (outgoing webhooks queue
// a delivery here). It runs on the recorder's goroutine: it must be quick
// and must not fail the recording; it logs its own errors.
type ArrivedFunc func(ctx context.Context, v Version, rep *apidiff.Report)

// arrived tells the Arrived hook, if any, that v arrived with rep.
func (r *Recorder) arrived(ctx context.Context, v Version, rep *apidiff.Report) {
	if r.onArrival != nil {
		r.onArrival(ctx, v, rep)
	}
}
