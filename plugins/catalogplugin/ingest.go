package catalogplugin

import (
	"context"
	"sync"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web"
)

// ingestWatch follows, through the catalog's commit hook, every apply of
// the providers the catalog plugin connected: it records ingest metrics,
// tells /providers about push-style providers' writes, and counts applies
// towards readiness.
type ingestWatch struct {
	metrics   *web.Metrics
	readiness *portico.Readiness

	mu     sync.Mutex
	byName map[string]*watched
}

// watched is what the watch knows of one provider.
type watched struct {
	// done marks the provider ready: a scheduled provider after any
	// successful apply (a run is one whole mutation), a push-style one
	// once its whole first load is written (connection.Loaded).
	done      func()
	scheduled bool
	// failReady makes a failed apply the reason /readyz gives until done.
	failReady bool
	tracker   *providers.ConnectedTracker // push-style providers: /providers lists them
}

// add watches the provider name, unless it is watched already, and returns
// what the watch knows of it.
func (w *ingestWatch) add(name string, p *watched) *watched {
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.byName[name]; ok {
		return old
	}
	w.byName[name] = p
	return p
}

// observe is the commit hook. Applies of other buckets (the bootstrap
// Location entities) and entities deleted through the API are not ingest.
func (w *ingestWatch) observe(_ context.Context, a catalog.Applied) {
	if a.Removal {
		return
	}
	w.mu.Lock()
	p, ok := w.byName[a.Provider]
	w.mu.Unlock()
	if !ok {
		return
	}
	w.metrics.ObserveIngest(a.Provider, a.Duration, a.Result, a.Err)
	if p.tracker != nil {
		p.tracker.Applied(a.Result, a.Err)
	}
	switch {
	case a.Err != nil && p.failReady:
		w.readiness.Fail(a.Provider, a.Err)
	case a.Err == nil && p.scheduled && p.done != nil:
		p.done()
	}
}
