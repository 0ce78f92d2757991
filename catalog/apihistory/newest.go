package apihistory

import (
	"context"
	"fmt"
)

// Newest lists the versions among the limit highest ids — the ones stored
// last — newest first, with their change counts. Unlike Recent it reads
// only those rows (the id range comes from the primary key), so a job may
// ask often: the webhook deliverer looks there for versions whose diff
// failed. A version that became current again keeps its old id and is
// not among them.
func (s *Store) Newest(ctx context.Context, limit int) ([]Entry, error) {
	out, err := s.entries(ctx, "WHERE v.id > (SELECT COALESCE(MAX(id), 0) FROM api_versions) - ?", 0, limit)
	if err != nil {
		return nil, fmt.Errorf("newest versions: %w", err)
	}
	return out, nil
}
