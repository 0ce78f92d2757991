package config

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings is the typed form of the keys the backend itself reads (app,
// backend, catalog). Features read their own sections through Config; web
// reads Settings for the title and base URLs.
type Settings struct {
	App     AppSettings     `yaml:"app"`
	Backend BackendSettings `yaml:"backend"`
	Catalog CatalogSettings `yaml:"catalog"`
	Metrics MetricsSettings `yaml:"metrics"`
}

// MetricsSettings is the metrics section.
type MetricsSettings struct {
	// Public opens /metrics to anonymous scrapers when sign-in is
	// required; otherwise they send a backend.auth.externalAccess token.
	Public bool `yaml:"public"`
}

// AppSettings is the app section: what the portal is called and where
// people reach it.
type AppSettings struct {
	// Title appears in the page header and title; default "Portico".
	Title string `yaml:"title"`
	// BaseURL is, in Backstage, the frontend's URL. Portico serves its
	// pages itself, so it is only the fallback of Settings.PublicURL.
	BaseURL string `yaml:"baseUrl"`
}

// BackendSettings is the backend section: where to listen, which database,
// which hosts URL reads may reach.
type BackendSettings struct {
	// BaseURL is Portico's public URL; see Settings.PublicURL.
	BaseURL string `yaml:"baseUrl"`
	// AllowedHosts are hosts the portal answers to besides its public
	// URL's (see auth.Options.AllowedHosts): the name a reverse proxy
	// forwards to it by, say.
	AllowedHosts []string         `yaml:"allowedHosts"`
	Listen       ListenSettings   `yaml:"listen"`
	Database     DatabaseSettings `yaml:"database"`
	Reading      ReadingSettings  `yaml:"reading"`
	Logging      LoggingSettings  `yaml:"logging"`
	// MemoryLimit is the Go runtime's soft memory limit; see
	// Settings.MemoryLimit for the default.
	MemoryLimit MemoryLimitSettings `yaml:"memoryLimit"`
	// Auth is backend.auth, handed to the sign-in feature as is (for
	// example externalAccess static tokens).
	Auth *Config `yaml:"auth"`
}

// LoggingSettings is backend.logging.
type LoggingSettings struct {
	// Level is the lowest level logged: debug, info (the default), warn
	// or error. The LOG_LEVEL environment variable, as in Backstage,
	// overrides it.
	Level string `yaml:"level"`
	// AccessLog logs one line per request at info level; off (the
	// default), request lines are at debug level and only failures are
	// logged above it.
	AccessLog bool `yaml:"accessLog"`
}

// LogLevel returns the configured level: LOG_LEVEL if set, else
// backend.logging.level, else info.
func (s *Settings) LogLevel() slog.Level {
	l, _ := parseLogLevel(cmp.Or(os.Getenv("LOG_LEVEL"), s.Backend.Logging.Level))
	return l
}

func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("must be debug, info, warn or error, not %q", s)
}

// ReadingSettings is backend.reading: URL reads ($text placeholders, url
// locations) may only reach hosts listed in Allow, and only connect to
// public addresses unless AllowAddresses names a private one; no read
// (those, descriptor files, S3 objects) may return more than MaxBytes.
type ReadingSettings struct {
	Allow []ReadingAllow `yaml:"allow"`
	// AllowAddresses lists addresses and CIDRs ("10.0.0.0/8",
	// "127.0.0.1:8080") that reads may connect to although they are
	// private, loopback or link-local: hosts named in Allow are still
	// refused when they resolve to such an address, so a DNS answer cannot
	// turn an allowed name into the metadata service.
	AllowAddresses []string `yaml:"allowAddresses"`
	// MaxBytes is Portico's own key (Backstage has no read limit); zero
	// means the readers' default, catalog.DefaultMaxReadSize.
	MaxBytes int64 `yaml:"maxBytes"`
}

// ReadingAllow is one backend.reading.allow entry: a host ("example.com",
// "*.example.com", "localhost:8080") and optional path prefixes.
type ReadingAllow struct {
	Host  string   `yaml:"host" config:"required"`
	Paths []string `yaml:"paths"`
}

// CatalogSettings is the catalog section.
type CatalogSettings struct {
	Locations []LocationSettings `yaml:"locations"`
	Rules     []RuleSettings     `yaml:"rules"`
	// Providers is catalog.providers, whose sections provider modules read.
	Providers *Config `yaml:"providers"`
	// ProcessingInterval is how often url locations (configured and
	// registered) are read again; Portico processes entities when they are
	// ingested, so it schedules nothing else. False reads them only at
	// start, when registered and on refresh.
	ProcessingInterval IntervalSettings `yaml:"processingInterval"`
	// OrphanStrategy is keep (the default: an entity its Location stops
	// emitting stays, marked backstage.io/orphan) or delete.
	OrphanStrategy string `yaml:"orphanStrategy"`
}

// DefaultProcessingInterval is how often url locations are read again when
// catalog.processingInterval is absent (Backstage re-processes every 100-150 s).
const DefaultProcessingInterval = 3 * time.Minute

// IntervalSettings is catalog.processingInterval: a duration in any form
// the config accepts, or false.
type IntervalSettings struct {
	Every time.Duration
	Off   bool
}

// UnmarshalConfig accepts false or a duration.
func (i *IntervalSettings) UnmarshalConfig(c *Config) error {
	if b, ok := c.value.(bool); ok {
		if b {
			return c.typeError(`a duration ({seconds: 100}) or false`)
		}
		i.Off = true
		return nil
	}
	d, err := c.duration()
	if err != nil {
		return err
	}
	if d <= 0 {
		return c.Errorf("", "must be a positive duration or false")
	}
	i.Every = d
	return nil
}

// LocationSettings is one catalog.locations entry, e.g. {type: file,
// target: ./catalog/*.yaml}. Rules, when set, allow kinds beyond
// catalog.rules for the entities read from this location.
type LocationSettings struct {
	Type   string         `yaml:"type" config:"required"`
	Target string         `yaml:"target" config:"required"`
	Rules  []RuleSettings `yaml:"rules"`
}

// RuleSettings is one catalog.rules entry: the kinds a location may
// produce.
type RuleSettings struct {
	Allow []string `yaml:"allow" config:"required"`
}

// ListenSettings is backend.listen, as {host, port}, ":7007",
// "127.0.0.1:7007" or a bare port.
type ListenSettings struct {
	Host string
	Port int
}

// Default listen address when backend.listen is absent: loopback only, so a
// newcomer's portal is not exposed by accident.
const (
	DefaultListenHost = "127.0.0.1"
	DefaultListenPort = 7007
)

// Addr returns host:port for net.Listen.
func (l ListenSettings) Addr() string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// LocalAddr is the address this process reaches itself at: Addr with a
// wildcard or empty host replaced by loopback.
func (l ListenSettings) LocalAddr() string {
	if l.Host == "" || l.Host == "0.0.0.0" || l.Host == "::" {
		l.Host = "127.0.0.1"
	}
	return l.Addr()
}

// UnmarshalConfig accepts the forms Backstage accepts.
func (l *ListenSettings) UnmarshalConfig(c *Config) error {
	switch v := c.value.(type) {
	case map[string]any:
		var raw struct {
			Host string `yaml:"host"`
			Port int    `yaml:"port"`
		}
		raw.Port = DefaultListenPort
		if err := c.Decode(&raw); err != nil {
			return err
		}
		l.Host, l.Port = raw.Host, raw.Port
	case int:
		l.Host, l.Port = "", v
	case string:
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			if n, convErr := strconv.Atoi(v); convErr == nil {
				host, port = "", strconv.Itoa(n)
			} else {
				return c.typeError(`":7007", "host:port" or {host, port}`)
			}
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return c.Errorf("", "expected a number for the port, got %q", port)
		}
		l.Host, l.Port = host, n
	default:
		return c.typeError(`":7007", "host:port" or {host, port}`)
	}
	if l.Port < 0 || l.Port > 65535 {
		return c.Errorf("", "port %d is out of range", l.Port)
	}
	return nil
}

// ParseSettings decodes the app, backend and catalog sections and fills in
// defaults. Errors name the file and key path.
func ParseSettings(c *Config) (*Settings, error) {
	s := &Settings{
		App:     AppSettings{Title: "Portico"},
		Backend: BackendSettings{Listen: ListenSettings{Host: DefaultListenHost, Port: DefaultListenPort}},
	}
	for _, section := range []struct {
		key string
		v   any
	}{{"app", &s.App}, {"backend", &s.Backend}, {"catalog", &s.Catalog}, {"metrics", &s.Metrics}} {
		if err := c.Sub(section.key).Decode(section.v); err != nil {
			return nil, err
		}
	}
	if s.App.Title == "" {
		s.App.Title = "Portico"
	}
	if s.Catalog.ProcessingInterval.Every == 0 {
		s.Catalog.ProcessingInterval.Every = DefaultProcessingInterval
	}
	switch s.Catalog.OrphanStrategy {
	case "":
		s.Catalog.OrphanStrategy = "keep"
	case "keep", "delete":
	default:
		return nil, c.Sub("catalog").Errorf("orphanStrategy", "must be keep or delete, not %q", s.Catalog.OrphanStrategy)
	}
	if err := checkPublicURL(c, s); err != nil {
		return nil, err
	}
	if _, err := parseLogLevel(s.Backend.Logging.Level); err != nil {
		return nil, c.Sub("backend.logging").Errorf("level", "%v", err)
	}
	if _, err := parseLogLevel(os.Getenv("LOG_LEVEL")); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL %v", err)
	}
	if s.Backend.Reading.MaxBytes < 0 {
		return nil, c.Sub("backend.reading").Errorf("maxBytes", "must be a positive number of bytes, got %d", s.Backend.Reading.MaxBytes)
	}
	for i, loc := range s.Catalog.Locations {
		if loc.Type != "file" && loc.Type != "url" {
			// Other types need a location reader from a module; checked
			// when the catalog starts, once modules have registered.
			continue
		}
		if strings.TrimSpace(loc.Target) == "" {
			return nil, c.Sub("catalog.locations").Index(i).Errorf("target", "must not be empty")
		}
	}
	return s, nil
}

// AllowedKinds returns the kinds catalog.rules allow for entities from loc
// (nil for the global rules): the global rules plus the location's own, as
// Backstage enforces them. Nil means every kind is allowed. Backstage's
// default, when catalog.rules is absent, is Component, API and Location;
// Portico allows every kind so that a newcomer's files all show up.
func (s *CatalogSettings) AllowedKinds(loc *LocationSettings) []string {
	if len(s.Rules) == 0 {
		return nil
	}
	rules := slices.Clone(s.Rules)
	if loc != nil {
		rules = append(rules, loc.Rules...)
	}
	var kinds []string
	for _, r := range rules {
		for _, k := range r.Allow {
			kinds = append(kinds, strings.ToLower(k))
		}
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}

// HasLocationRules reports whether any location carries its own rules.
func (s *CatalogSettings) HasLocationRules() bool {
	return slices.ContainsFunc(s.Locations, func(l LocationSettings) bool { return len(l.Rules) > 0 })
}

// knownKeys lists the keys Portico reads in the sections it owns; anything
// else in them (and any top-level key no feature reads) is reported once
// as unused.
var knownKeys = map[string][]string{
	"":        {"app", "backend", "catalog", "auth", "apiDocs", "integrations", "metrics"},
	"app":     {"title", "baseUrl"},
	"backend": {"baseUrl", "listen", "database", "reading", "auth", "allowedHosts", "logging", "memoryLimit"},
	"catalog": {"locations", "rules", "providers", "processingInterval", "orphanStrategy"},
	"metrics": {"public"},
}

// UnusedKeys returns the keys of the sections in knownKeys that Portico
// does not read and no feature looked at, and separately the provider
// sections under catalog.providers that no module read.
func UnusedKeys(c *Config) (keys, providers []string) {
	for section, known := range knownKeys {
		sub := c
		if section != "" {
			sub = &Config{tree: c.tree, path: section, value: c.value.(map[string]any)[section]}
		}
		for _, k := range sub.Keys() {
			path := joinPath(section, k)
			if slices.Contains(known, k) || c.tree.usedUnder(path) {
				continue
			}
			keys = append(keys, path)
		}
	}
	slices.Sort(keys)
	prov := &Config{tree: c.tree, path: "catalog.providers"}
	if cat, ok := c.value.(map[string]any)["catalog"].(map[string]any); ok {
		prov.value = cat["providers"]
	}
	for _, k := range prov.Keys() {
		if !c.tree.usedUnder("catalog.providers." + k) {
			providers = append(providers, k)
		}
	}
	return keys, providers
}

// DescribeUnused renders the one warning line about unused keys.
func DescribeUnused(keys []string) string {
	return fmt.Sprintf("ignoring config keys Portico does not use: %s", strings.Join(keys, ", "))
}
