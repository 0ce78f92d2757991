//go:build pprofdebug

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

// A binary built with `go build -tags pprofdebug ./cmd/portico` serves
// net/http/pprof on PORTICO_PPROF (e.g. 127.0.0.1:6060), on its own
// listener, so that a bulk load or the work after it can be profiled in
// the real process. Release builds do not contain it (pprof_release.go).
func servePprof() {
	if addr := os.Getenv("PORTICO_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
