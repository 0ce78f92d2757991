package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// oauthStates records the states Portico handed to GitHub so each one is
// accepted once, by whichever replica gets the callback.
type oauthStates struct {
	db  *bun.DB
	now func() time.Time
}

type stateRow struct {
	bun.BaseModel `bun:"table:auth_oauth_states"`

	ID        string `bun:"id,pk"`
	ExpiresAt int64  `bun:"expires_at"`
}

func (s *oauthStates) issue(ctx context.Context, state string) error {
	now := s.now()
	row := &stateRow{ID: hashID(state), ExpiresAt: now.Add(stateTTL).UnixMilli()}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("record oauth state: %w", err)
	}
	_, _ = s.db.NewDelete().Model((*stateRow)(nil)).Where("expires_at <= ?", now.UnixMilli()).Exec(ctx)
	return nil
}

// consume deletes the state and reports whether it was live: a reused,
// expired or never-issued state is false.
func (s *oauthStates) consume(ctx context.Context, state string) (bool, error) {
	res, err := s.db.NewDelete().Model((*stateRow)(nil)).
		Where("id = ? AND expires_at > ?", hashID(state), s.now().UnixMilli()).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("consume oauth state: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("consume oauth state: %w", err)
	}
	return n == 1, nil
}
