package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/porticohq/portico/catalog/store"
	"github.com/uptrace/bun"
)

// migrationFiles are auth's tables (sessions, OAuth states), applied with
// the store's migration runner under the owner name "auth".
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate creates or updates auth's tables in db.
func Migrate(ctx context.Context, db *bun.DB) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return store.Migrate(ctx, db, "auth", sub)
}

// errNoSession means the session does not exist, ended or timed out.
var errNoSession = errors.New("no such session")

// sessionRow is one row of auth_sessions.
type sessionRow struct {
	bun.BaseModel `bun:"table:auth_sessions"`

	ID         string `bun:"id,pk"`
	UserRef    string `bun:"user_ref"`
	Ownership  string `bun:"ownership"`
	Name       string `bun:"name"`
	Avatar     string `bun:"avatar"`
	CreatedAt  int64  `bun:"created_at"`
	LastSeenAt int64  `bun:"last_seen_at"`
	ExpiresAt  int64  `bun:"expires_at"`
}

// Sessions keeps sessions in the database, so every replica agrees on who is
// signed in and signing out ends a session everywhere.
type Sessions struct {
	db       *bun.DB
	now      func() time.Time
	absolute time.Duration
	idle     time.Duration
}

// touchEvery limits last_seen_at writes to one per session per minute.
const touchEvery = time.Minute

// NewSessions returns the session table's accessor; the table must exist
// (see Migrations).
func NewSessions(db *bun.DB, now func() time.Time, absolute, idle time.Duration) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{db: db, now: now, absolute: absolute, idle: idle}
}

// Create stores a new session for id and returns its fresh random id; a
// session id is never reused or taken from the client.
func (s *Sessions) Create(ctx context.Context, id Identity) (string, error) {
	sid, err := randomToken(32)
	if err != nil {
		return "", err
	}
	own, err := json.Marshal(id.OwnershipRefs)
	if err != nil {
		return "", fmt.Errorf("encode ownership: %w", err)
	}
	now := s.now()
	row := &sessionRow{
		ID: hashID(sid), UserRef: id.UserRef, Ownership: string(own), Name: id.Name, Avatar: id.AvatarURL,
		CreatedAt: now.UnixMilli(), LastSeenAt: now.UnixMilli(), ExpiresAt: now.Add(s.absolute).UnixMilli(),
	}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	s.deleteExpired(ctx, now)
	return sid, nil
}

// Get returns the identity of a live session, refreshing its idle timer.
// An unknown, ended, expired or idle session is errNoSession.
func (s *Sessions) Get(ctx context.Context, sid string) (Identity, error) {
	row := &sessionRow{}
	err := s.db.NewSelect().Model(row).Where("id = ?", hashID(sid)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, errNoSession
	}
	if err != nil {
		return Identity{}, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	if now.UnixMilli() >= row.ExpiresAt || now.Sub(time.UnixMilli(row.LastSeenAt)) >= s.idle {
		return Identity{}, errNoSession
	}
	if now.Sub(time.UnixMilli(row.LastSeenAt)) >= touchEvery {
		if _, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("last_seen_at = ?", now.UnixMilli()).
			Where("id = ?", row.ID).Exec(ctx); err != nil {
			return Identity{}, fmt.Errorf("touch session: %w", err)
		}
	}
	id := Identity{UserRef: row.UserRef, Name: row.Name, AvatarURL: row.Avatar}
	if err := json.Unmarshal([]byte(row.Ownership), &id.OwnershipRefs); err != nil {
		return Identity{}, fmt.Errorf("decode session ownership: %w", err)
	}
	return id, nil
}

// Delete ends a session server-side; its cookie stops working everywhere.
func (s *Sessions) Delete(ctx context.Context, sid string) error {
	if _, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("id = ?", hashID(sid)).Exec(ctx); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// deleteExpired sweeps dead rows; a failure only leaves garbage behind.
func (s *Sessions) deleteExpired(ctx context.Context, now time.Time) {
	_, _ = s.db.NewDelete().Model((*sessionRow)(nil)).
		Where("expires_at <= ? OR last_seen_at <= ?", now.UnixMilli(), now.Add(-s.idle).UnixMilli()).
		Exec(ctx)
}

func hashID(sid string) string {
	sum := sha256.Sum256([]byte(sid))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
