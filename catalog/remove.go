package catalog

import (
	"context"
	"errors"
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

// DeleteOrphans deletes every entity marked backstage.io/orphan when the
// orphan strategy is delete: orphans kept under the keep strategy go once
// the configuration switches, as Backstage's orphan cleanup does. It
// returns how many it deleted; with the keep strategy it does nothing.
func (c *Catalog) DeleteOrphans(ctx context.Context) (int, error) {
	if c.orphanStrategy != OrphanDelete {
		return 0, nil
	}
	q := Query{Filter: Filter{{{Key: "metadata.annotations." + AnnotationOrphan, Values: []string{"true"}}}}, Limit: 500}
	n := 0
	for {
		page, err := c.store.Query(ctx, q)
		if err != nil {
			return n, fmt.Errorf("list orphans: %w", err)
		}
		if len(page.Items) == 0 {
			return n, nil
		}
		removed := 0
		for _, s := range page.Items {
			switch _, err := c.RemoveEntity(ctx, s.UID); {
			case err == nil:
				removed++
			case !errors.Is(err, ErrNotFound):
				return n, err
			}
		}
		n += removed
		if removed == 0 {
			return n, nil // nothing listed could be removed: do not loop
		}
		// Deleting shifts the pages: ask for the first page again.
	}
}
