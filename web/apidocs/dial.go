package apidocs

import (
	"net/http"
	"time"

	"github.com/porticohq/portico/catalog/egress"
)

// LookupFunc resolves a host name to addresses; tests replace it to play a
// DNS server that answers with loopback.
type LookupFunc = egress.LookupFunc

// newClient returns the hardened client try-it-out calls go through: the
// shared egress guard's dialer (which addresses may be reached), no
// environment proxy, no redirects, no connection reuse, bounded headers and
// time.
func newClient(g *egress.Guard, timeout time.Duration) *http.Client {
	tr := g.Transport(timeout)
	tr.DisableKeepAlives = true
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
