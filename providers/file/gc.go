package file

import (
	"os"
	"runtime/debug"
	"sync"
)

// loadGCPercent is the garbage collector's GOGC while a large first load
// runs. A load allocates ~80 KB per file (read buffers, parsed documents,
// rendered bodies, SQL arguments) that is garbage a batch later, while
// what stays live grows with the files read: at GOGC=100 a 100,000-file
// load ran ~200 cycles, each marking more of that state, so the
// collector's CPU grew faster than the load (issue 15, item 8). Letting
// the heap grow to three times the live size halves the cycles; the soft
// memory limit (backend.memoryLimit) still bounds the heap, so near it the
// collector runs as often as it must.
const loadGCPercent = 200

// gcRelax counts the loads that run with loadGCPercent, so that the
// setting is restored only when the last one ends.
var gcRelax struct {
	sync.Mutex
	loads int
	prev  int
}

// relaxGC raises GOGC to loadGCPercent for a load and returns what
// restores it. A GOGC set in the environment (or by the program) is left
// alone: whoever set it chose.
func relaxGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcRelax.Lock()
	defer gcRelax.Unlock()
	if gcRelax.loads == 0 {
		prev := debug.SetGCPercent(loadGCPercent)
		if prev != 100 {
			debug.SetGCPercent(prev)
			return func() {}
		}
		gcRelax.prev = prev
	}
	gcRelax.loads++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcRelax.Lock()
			defer gcRelax.Unlock()
			if gcRelax.loads--; gcRelax.loads == 0 {
				debug.SetGCPercent(gcRelax.prev)
			}
		})
	}
}
