package providers

import (
	"context"
	"embed"
	"io/fs"

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
