package catalog

import (
	"context"
	"fmt"
)

// RemoveEntity deletes the entity with uid from the catalog, whichever
// provider holds it, and runs the commit hooks for that provider with one
// removal. It returns ErrNotFound for an unknown uid. The entity comes back
// if its provider still emits it on a later run (DELETE
// /entities/by-uid in Backstage works the same way).
func (c *Catalog) RemoveEntity(ctx context.Context, uid string) (*StoredEntity, error) {
	removed, err := c.store.RemoveByUID(ctx, uid)
	if err != nil {
		return nil, fmt.Errorf("remove entity %s: %w", uid, err)
	}
	c.logger.Info("removed entity", "entity", removed.Ref.String(), "uid", uid, "provider", removed.Provider)
	c.runHooks(ctx, Applied{Provider: removed.Provider, Result: ApplyResult{Removed: 1}, Removal: true})
	return removed, nil
}
