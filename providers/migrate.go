package providers

import (
	"context"
	"embed"
	"io/fs"

	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog/store"
)

// migrationFiles are the scheduler's own tables (task_leases,
// provider_runs), applied with the store's migration runner under the owner
// name "providers".
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate creates or updates the scheduler's tables in db.
func migrate(ctx context.Context, db *bun.DB) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return store.Migrate(ctx, db, "providers", sub)
}
