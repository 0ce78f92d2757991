package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// Writing is an entity a transaction is about to insert or rewrite: new,
// or stored with another content hash. An unchanged entity is never one.
type Writing struct {
	Key      string                   // ref key, lower case (kind:namespace/name)
	Provider string                   // the mutation's provider
	Entity   *catalog.ProcessedEntity // what is written; hooks must not modify it
	// Old is the stored body it replaces (JSON, without relations or
	// status); nil for a new entity.
	Old []byte
}

// WriteHook runs inside the transaction that writes entities, before
// their rows are written, with those of its kind: it may write its own
// tables through tx (the mutation and its writes commit or roll back
// together). An error fails the mutation; a hook returns one only when
// its writes failed.
type WriteHook func(ctx context.Context, tx *sql.Tx, writing []Writing) error

// BeforeWrite registers h to run before new or changed entities of kind
// are written by a mutation. An unchanged entity costs the hook nothing
// (an unchanged restart does not call it); the stored bodies of the
// changed ones of that kind are read for it. Register hooks before the
// store is used for writes, once their tables exist.
func (s *Store) BeforeWrite(kind string, h WriteHook) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.writeHooks.add(kind, h)
}

// runWriteHooks runs the hooks for the kinds among inserts and updates,
// which the caller (holding applyMu) is about to write inside tx.
func (s *Store) runWriteHooks(ctx context.Context, tx *sql.Tx, provider string, inserts, updates []*pending) error {
	if len(s.writeHooks) == 0 {
		return nil
	}
	byKind := map[string][]Writing{}
	var replaced []*stored
	for _, list := range [][]*pending{inserts, updates} {
		for _, pd := range list {
			kind, _, _ := strings.Cut(pd.key, ":")
			if s.writeHooks[kind] == nil {
				continue
			}
			byKind[kind] = append(byKind[kind], Writing{Key: pd.key, Provider: provider, Entity: pd.pe})
			if pd.id != 0 {
				replaced = append(replaced, &stored{id: pd.id, refKey: pd.key})
			}
		}
	}
	if len(replaced) > 0 {
		old, err := s.removedBodies(ctx, tx, replaced)
		if err != nil {
			return err
		}
		bodies := make(map[string][]byte, len(old))
		for _, r := range old {
			bodies[r.Key] = r.Body
		}
		for _, ws := range byKind {
			for i := range ws {
				ws[i].Old = bodies[ws[i].Key]
			}
		}
	}
	for kind, ws := range byKind {
		for _, h := range s.writeHooks[kind] {
			if err := h(ctx, tx, ws); err != nil {
				return fmt.Errorf("before writing %s entities: %w", kind, err)
			}
		}
	}
	return nil
}
