package portico

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Readiness tracks the work that must be done before Portico is ready for
// traffic: the first ingest of every configured location. /readyz asks Err.
// Features add their own start-up work with Add.
type Readiness struct {
	mu      sync.Mutex
	pending map[string]bool
	failed  map[string]error // the latest failure of pending work
}

// NewReadiness returns a tracker with nothing pending (ready).
func NewReadiness() *Readiness {
	return &Readiness{pending: map[string]bool{}, failed: map[string]error{}}
}

// Fail records why pending work failed; it stays pending (not ready) until
// its done is called, and /readyz says why.
func (r *Readiness) Fail(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending[name] {
		r.failed[name] = err
	}
}

// Add marks name as pending and returns the function that marks it done.
// Calling done more than once is harmless.
func (r *Readiness) Add(name string) (done func()) {
	r.mu.Lock()
	r.pending[name] = true
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			delete(r.pending, name)
			delete(r.failed, name)
			r.mu.Unlock()
		})
	}
}

// Pending lists what is not done yet, sorted.
func (r *Readiness) Pending() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.pending))
	for name := range r.pending {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Loading lists the pending work that has not failed, sorted: what is
// still under way. A location whose first load failed stays pending (not
// ready) but is no longer loading.
func (r *Readiness) Loading() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for name := range r.pending {
		if r.failed[name] == nil {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Err returns nil when nothing is pending, otherwise an error saying what
// failed and what is still under way (the reason /readyz gives).
func (r *Readiness) Err() error {
	p := r.Pending()
	if len(p) == 0 {
		return nil
	}
	r.mu.Lock()
	var failed, waiting []string
	for _, name := range p {
		if err := r.failed[name]; err != nil {
			failed = append(failed, name+": "+err.Error())
		} else {
			waiting = append(waiting, name)
		}
	}
	r.mu.Unlock()
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, "first ingest failed: "+list(failed, "; "))
	}
	if len(waiting) > 0 {
		parts = append(parts, "first ingest pending: "+list(waiting, ", "))
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

// list joins at most five items and says how many more there are.
func list(items []string, sep string) string {
	const show = 5
	if len(items) <= show {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:show], sep) + fmt.Sprintf(" and %d more", len(items)-show)
}
