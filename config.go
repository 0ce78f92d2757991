package portico

import (
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/config"
)

// The configuration lives in package config; these names keep the root's
// callers compiling while the built-in features move out of the root.
type (
	Config            = config.Config
	ConfigError       = config.Error
	ConfigUnmarshaler = config.Unmarshaler
	Settings          = config.Settings
	AppSettings       = config.AppSettings
	BackendSettings   = config.BackendSettings
	CatalogSettings   = config.CatalogSettings
	MetricsSettings   = config.MetricsSettings
	LoggingSettings   = config.LoggingSettings
	ReadingSettings   = config.ReadingSettings
	ReadingAllow      = config.ReadingAllow
	IntervalSettings  = config.IntervalSettings
	LocationSettings  = config.LocationSettings
	RuleSettings      = config.RuleSettings
	ListenSettings    = config.ListenSettings
	DatabaseSettings  = config.DatabaseSettings
	Database          = config.Database
)

const (
	DriverSQLite              = config.DriverSQLite
	DriverPostgres            = config.DriverPostgres
	DefaultSQLiteFile         = config.DefaultSQLiteFile
	DefaultListenHost         = config.DefaultListenHost
	DefaultListenPort         = config.DefaultListenPort
	DefaultProcessingInterval = config.DefaultProcessingInterval
)

// LoadConfig is config.Load.
func LoadConfig(files ...string) (*Config, error) { return config.Load(files...) }

// ParseConfig is config.Parse.
func ParseConfig(name string, data []byte) (*Config, error) { return config.Parse(name, data) }

// NewConfig is config.New.
func NewConfig(data map[string]any) *Config { return config.New(data) }

// ParseSettings is config.ParseSettings completed with what config, a
// leaf package, cannot know: the catalog's default read limit, and which
// backend.reading.allowAddresses entries the egress rules accept.
func ParseSettings(c *Config) (*Settings, error) {
	s, err := config.ParseSettings(c)
	if err != nil {
		return nil, err
	}
	if s.Backend.Reading.MaxBytes == 0 {
		s.Backend.Reading.MaxBytes = catalog.DefaultMaxReadSize
	}
	for i, a := range s.Backend.Reading.AllowAddresses {
		if _, err := egress.ParseAddressRules([]string{a}); err != nil {
			return nil, c.Sub("backend.reading.allowAddresses").Index(i).Errorf("", "%v", err)
		}
	}
	return s, nil
}

// ParseDatabase is config.ParseDatabase.
func ParseDatabase(s string) (Database, error) { return config.ParseDatabase(s) }

func unusedKeys(c *Config) (keys, providers []string) { return config.UnusedKeys(c) }

func describeUnused(keys []string) string { return config.DescribeUnused(keys) }
