package e2e

import (
	"os"
	"testing"
)

// TestMain stops the shared browser after every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}
