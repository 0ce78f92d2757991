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
}

// NewReadiness returns a tracker with nothing pending (ready).
func NewReadiness() *Readiness {
	return &Readiness{pending: map[string]bool{}}
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

// Err returns nil when nothing is pending, otherwise an error listing what
// is (the reason /readyz gives).
func (r *Readiness) Err() error {
	p := r.Pending()
	if len(p) == 0 {
		return nil
	}
	const show = 5
	more := ""
	if len(p) > show {
		more = fmt.Sprintf(" and %d more", len(p)-show)
		p = p[:show]
	}
	return fmt.Errorf("first ingest pending: %s%s", strings.Join(p, ", "), more)
}
