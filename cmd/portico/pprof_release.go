//go:build !pprofdebug

package main

// servePprof does nothing: pprof is served only by a pprofdebug build
// (pprof_debug.go).
func servePprof() {}
