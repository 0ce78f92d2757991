package portico

import (
	"log/slog"
	"time"
)

// Services are the values every feature receives at registration. Options on
// New replace any of them.
type Services struct {
	// Logger is scoped with the feature's id.
	Logger *slog.Logger
	// Clock returns the current time; tests replace it.
	Clock func() time.Time
}
