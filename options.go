package portico

import (
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/config"
)

// Option replaces one of the backend's services or settings; pass options
// to New. Tests use them to fix the clock, use a temporary database and
// listen on 127.0.0.1:0.
type Option func(*options)

type options struct {
	clock    func() time.Time
	logger   *slog.Logger
	config   *config.Config
	files    []string
	database *config.Database
	store    *store.Store
	listener net.Listener
	address  string
	demo     *bool
	// memoryLimit: Run sets the process's soft memory limit from the
	// configuration (WithMemoryLimit).
	memoryLimit bool
}

// WithClock replaces the clock every feature (and the scheduler) reads.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.clock = now }
}

// WithLogger replaces the root logger; features get children of it.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithConfigFiles loads configuration from files, later ones overriding
// earlier ones (the --config flags).
func WithConfigFiles(files ...string) Option {
	return func(o *options) { o.files = append(o.files, files...) }
}

// WithConfig uses an already loaded or built configuration (see
// LoadConfig, ParseConfig and NewConfig) instead of reading files.
func WithConfig(c *config.Config) Option {
	return func(o *options) { o.config = c }
}

// WithDatabase replaces backend.database (the --database flag and
// PORTICO_DATABASE use it); see ParseDatabase.
func WithDatabase(db config.Database) Option {
	return func(o *options) { o.database = &db }
}

// WithStore uses an open store instead of opening one from config. The
// caller keeps ownership: Run does not close it.
func WithStore(s *store.Store) Option {
	return func(o *options) { o.store = s }
}

// WithListener serves on ln instead of listening on backend.listen; Run
// closes it when it returns.
func WithListener(ln net.Listener) Option {
	return func(o *options) { o.listener = ln }
}

// WithAddress listens on addr (e.g. "127.0.0.1:0") instead of
// backend.listen. Addr reports the bound address once the backend serves.
func WithAddress(addr string) Option {
	return func(o *options) { o.address = addr }
}

// WithDemo turns demo mode on or off explicitly; by default it is on
// exactly when no configuration file is given.
func WithDemo(on bool) Option {
	return func(o *options) { o.demo = &on }
}

// WithMemoryLimit makes Run set the Go runtime's soft memory limit
// (debug.SetMemoryLimit) from GOMEMLIMIT, backend.memoryLimit, the
// cgroup's limit or config.DefaultMemoryLimit, in that order. The limit is
// the whole process's, so the portico command sets it and a program that
// embeds the backend (or a test) chooses for itself.
func WithMemoryLimit() Option {
	return func(o *options) { o.memoryLimit = true }
}

// NewLogger returns the default logger: JSON lines when w is not a terminal
// (log collectors), readable text when it is.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	ho := &slog.HandlerOptions{Level: level}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, ho))
	}
	return slog.New(slog.NewJSONHandler(w, ho))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
