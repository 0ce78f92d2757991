package file

import (
	"runtime/debug"
	"testing"
)

// Loads that overlap share one relaxed GOGC; the last to end restores it,
// and a restore that runs twice counts once.
func TestRelaxGCRestoresAfterTheLastLoad(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	gcPercent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	endA := relaxGC()
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("during a load GOGC = %d, want %d", got, loadGCPercent)
	}
	endB := relaxGC()
	endA()
	endA()
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("with one load still running GOGC = %d, want %d", got, loadGCPercent)
	}
	endB()
	if got := gcPercent(); got != 100 {
		t.Fatalf("after the loads GOGC = %d, want 100", got)
	}
}

// A GOGC someone chose stays.
func TestRelaxGCLeavesAChosenGOGC(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(50)
	defer debug.SetGCPercent(prev)
	end := relaxGC()
	if p := debug.SetGCPercent(50); p != 50 {
		t.Fatalf("during a load GOGC = %d, want the 50 set before", p)
	}
	end()
	t.Setenv("GOGC", "100")
	debug.SetGCPercent(100)
	end = relaxGC()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("with GOGC in the environment GOGC = %d, want 100", p)
	}
	end()
}
