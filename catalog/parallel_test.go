package catalog

import (
	"sync/atomic"
	"testing"
)

func TestParallelCallsEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 4}, {7, 1}, {100, 0}, {1000, 3}} {
		calls := make([]atomic.Int32, tc.n)
		Parallel(tc.n, tc.workers, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Fatalf("n=%d workers=%d: index %d called %d times", tc.n, tc.workers, i, got)
			}
		}
	}
}
