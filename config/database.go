package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// DatabaseSettings is backend.database in Backstage's format.
type DatabaseSettings struct {
	// Client is better-sqlite3, sqlite3, sqlite or pg.
	Client string `yaml:"client"`
	// Connection is a DSN string, ":memory:", a file path, or a map
	// ({host, port, user, password, database, ssl} for pg, {directory} for
	// SQLite).
	Connection *Config `yaml:"connection"`
	// Prefix names the PostgreSQL database: <prefix>catalog, created if
	// missing, as Backstage does per plugin.
	Prefix string `yaml:"prefix"`

	section *Config // backend.database itself, for messages
}

// UnmarshalConfig decodes the section and keeps it for error messages.
func (s *DatabaseSettings) UnmarshalConfig(c *Config) error {
	var raw struct {
		Client     string  `yaml:"client"`
		Connection *Config `yaml:"connection"`
		Prefix     string  `yaml:"prefix"`
	}
	if err := c.Decode(&raw); err != nil {
		return err
	}
	*s = DatabaseSettings{Client: raw.Client, Connection: raw.Connection, Prefix: raw.Prefix, section: c}
	return nil
}

func (s DatabaseSettings) sectionConfig() *Config {
	if s.section != nil {
		return s.section
	}
	return New(nil).Sub("backend.database")
}

// Database drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "pg"
)

// DefaultSQLiteFile is where Portico keeps its data when no database is
// configured: in the working directory.
const DefaultSQLiteFile = "portico.db"

// Database says which database the store opens.
type Database struct {
	// Driver is DriverSQLite or DriverPostgres.
	Driver string
	// Path is the SQLite file, or ":memory:".
	Path string
	// URL is the PostgreSQL connection URL of the catalog database.
	URL string
	// Name is the PostgreSQL database name (created if missing).
	Name string
}

// String describes the database without secrets, for logs.
func (d Database) String() string {
	if d.Driver == DriverSQLite {
		return "sqlite:" + d.Path
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return "pg:" + d.Name
	}
	return "pg:" + u.Redacted()
}

// ParseDatabase reads the --database flag or PORTICO_DATABASE value, which
// replaces backend.database: "sqlite:portico.db", "sqlite::memory:",
// "postgres://user@host:5432/db", or a bare SQLite file path.
func ParseDatabase(s string) (Database, error) {
	switch {
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return Database{}, fmt.Errorf("database %q: %w", s, err)
		}
		name := strings.TrimPrefix(u.Path, "/")
		if name == "" {
			return Database{}, fmt.Errorf("database %q: the URL names no database", u.Redacted())
		}
		return Database{Driver: DriverPostgres, URL: s, Name: name}, nil
	case strings.HasPrefix(s, "sqlite:"):
		s = strings.TrimPrefix(s, "sqlite:")
	case strings.HasPrefix(s, "file:"):
		s = strings.TrimPrefix(s, "file:")
	}
	if s == "" {
		return Database{}, fmt.Errorf("database: empty SQLite path")
	}
	return Database{Driver: DriverSQLite, Path: s}, nil
}

// Resolve turns backend.database into the database to open.
func (s DatabaseSettings) Resolve() (Database, error) {
	switch strings.ToLower(s.Client) {
	case "", "better-sqlite3", "sqlite3", "sqlite":
		return s.resolveSQLite()
	case "pg", "postgres", "postgresql":
		return s.resolvePostgres()
	default:
		return Database{}, s.sectionConfig().Errorf("client", "unknown client %q (use better-sqlite3, sqlite3, sqlite or pg)", s.Client)
	}
}

func (s DatabaseSettings) resolveSQLite() (Database, error) {
	c := s.Connection
	if c == nil || c.value == nil {
		return Database{Driver: DriverSQLite, Path: DefaultSQLiteFile}, nil
	}
	switch v := c.value.(type) {
	case string:
		path := strings.TrimPrefix(v, "file:")
		if path == "" {
			return Database{}, c.Errorf("", "expected a file path or \":memory:\"")
		}
		return Database{Driver: DriverSQLite, Path: path}, nil
	case map[string]any:
		var conn struct {
			Directory string `yaml:"directory"`
			Filename  string `yaml:"filename"`
		}
		if err := c.Decode(&conn); err != nil {
			return Database{}, err
		}
		switch {
		case conn.Filename != "":
			return Database{Driver: DriverSQLite, Path: conn.Filename}, nil
		case conn.Directory != "":
			return Database{Driver: DriverSQLite, Path: filepath.Join(conn.Directory, DefaultSQLiteFile)}, nil
		}
		return Database{}, c.Errorf("", "expected {directory} or {filename} for SQLite")
	default:
		return Database{}, c.typeError("a file path, \":memory:\" or {directory}")
	}
}

func (s DatabaseSettings) resolvePostgres() (Database, error) {
	c := s.Connection
	if c == nil || c.value == nil {
		return Database{}, s.sectionConfig().Errorf("connection", "a value is required for client pg")
	}
	var u *url.URL
	switch v := c.value.(type) {
	case string:
		parsed, err := url.Parse(v)
		if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
			return Database{}, c.Errorf("", "expected a postgres:// connection string or {host, port, user, password, database}")
		}
		u = parsed
	case map[string]any:
		var err error
		if u, err = pgURLFromMap(c); err != nil {
			return Database{}, err
		}
	default:
		return Database{}, c.typeError("a connection string or {host, port, user, password, database}")
	}
	name := strings.TrimPrefix(u.Path, "/")
	if s.Prefix != "" || name == "" {
		prefix := s.Prefix
		if prefix == "" {
			prefix = "backstage_plugin_"
		}
		name = prefix + "catalog"
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return Database{Driver: DriverPostgres, URL: u.String(), Name: name}, nil
}

// pgURLFromMap builds a connection URL from Backstage's connection object.
func pgURLFromMap(c *Config) (*url.URL, error) {
	var conn struct {
		Host     string `yaml:"host"`
		Port     int    `yaml:"port"`
		User     string `yaml:"user"`
		Password string `yaml:"password"`
		Database string `yaml:"database"`
		SSL      any    `yaml:"ssl"`
	}
	conn.Host, conn.Port, conn.User = "127.0.0.1", 5432, "postgres"
	if err := c.Decode(&conn); err != nil {
		return nil, err
	}
	u := &url.URL{Scheme: "postgres", Host: net.JoinHostPort(conn.Host, strconv.Itoa(conn.Port)), Path: "/" + conn.Database}
	if conn.Password != "" {
		u.User = url.UserPassword(conn.User, conn.Password)
	} else {
		u.User = url.User(conn.User)
	}
	q := url.Values{}
	switch ssl := conn.SSL.(type) {
	case bool:
		if ssl {
			q.Set("sslmode", "require")
		}
	case map[string]any:
		q.Set("sslmode", "require")
	}
	u.RawQuery = q.Encode()
	return u, nil
}
