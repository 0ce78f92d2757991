package store

import (
	"context"
	"fmt"

	"github.com/porticohq/portico/catalog"
)

var _ catalog.BucketLister = (*Store)(nil)

// BucketRefs lists the refs in one provider's bucket without reading their
// bodies, so a large location can load as a series of deltas in bounded
// memory and then remove only what no source holds any more.
func (s *Store) BucketRefs(ctx context.Context, provider string) ([]catalog.StoredRef, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT kind_raw, namespace, name, location_key, location, orphaned_at IS NOT NULL FROM entities WHERE provider = ?", provider)
	if err != nil {
		return nil, fmt.Errorf("list bucket %s: %w", provider, err)
	}
	defer rows.Close()
	var out []catalog.StoredRef
	for rows.Next() {
		var r catalog.StoredRef
		if err := rows.Scan(&r.Ref.Kind, &r.Ref.Namespace, &r.Ref.Name, &r.LocationKey, &r.Location, &r.Orphan); err != nil {
			return nil, fmt.Errorf("list bucket %s: %w", provider, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list bucket %s: %w", provider, err)
	}
	return out, nil
}
