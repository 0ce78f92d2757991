package catalog

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Parallel calls fn(i) for every i in [0, n) on up to workers goroutines
// (one per CPU when workers ≤ 0) and returns once every call has. Ingest,
// the store and features that decode entities in bulk share it; fn checks
// its own context when it should stop early.
func Parallel(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}
