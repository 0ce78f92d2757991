package providers

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/uptrace/bun"
)

// Migrations are the providers feature's own tables (task_leases,
// provider_runs), applied with the store's migration runner under the owner
// name "providers".
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files, rooted at their folder.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return migrationFiles
	}
	return sub
}

// Migrator applies a feature's numbered .sql migrations; it has the shape of
// store.Migrate so the backend can pass that in.
type Migrator func(ctx context.Context, db *bun.DB, owner string, fsys fs.FS) error

// MigrateSQL is a minimal Migrator for when the store's runner is not
// given: it executes every statement of every .sql file in name order. Our
// statements are idempotent (IF NOT EXISTS), so running it again is safe.
func MigrateSQL(ctx context.Context, db *bun.DB, owner string, fsys fs.FS) error {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return fmt.Errorf("list %s migrations: %w", owner, err)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read %s migration %s: %w", owner, name, err)
		}
		for _, stmt := range splitSQL(string(data)) {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("apply %s migration %s: %w", owner, name, err)
			}
		}
	}
	return nil
}

func splitSQL(src string) []string {
	var lines []string
	for _, line := range strings.Split(src, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			lines = append(lines, line)
		}
	}
	var out []string
	for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
		if s := strings.TrimSpace(stmt); s != "" {
			out = append(out, s)
		}
	}
	return out
}
