package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Removing is an entity a transaction is about to delete.
type Removing struct {
	Key  string // ref key, lower case (kind:namespace/name)
	Body []byte // the stored body (JSON, without relations or status)
}

// RemoveHook runs inside the transaction that deletes entities, before
// their rows go, with those of its kind: it may write its own tables
// through tx (the removal and its writes commit or roll back together).
// An error fails the removal (the mutation or RemoveByUID); a hook
// returns one only when its writes failed.
type RemoveHook func(ctx context.Context, tx *sql.Tx, removing []Removing) error

// BeforeRemove registers h to run before entities of kind are deleted:
// by a full mutation that no longer lists them, a delta's Removed, or
// RemoveByUID (orphan deletion included). Orphaning deletes nothing.
// Only the bodies of the removed entities of that kind are read, and only
// when a removal happens. Register hooks before the store is used for
// writes, once their tables exist.
func (s *Store) BeforeRemove(kind string, h RemoveHook) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.removeHooks.add(kind, h)
}

// kindHooks are the hooks of each entity kind (lower case), as BeforeRemove
// and BeforeWrite register them.
type kindHooks[H any] map[string][]H

// add registers h for kind; the caller holds applyMu.
func (k *kindHooks[H]) add(kind string, h H) {
	if *k == nil {
		*k = kindHooks[H]{}
	}
	key := strings.ToLower(kind)
	(*k)[key] = append((*k)[key], h)
}

// runRemoveHooks runs the hooks for the kinds among list, which the
// caller (holding applyMu) is about to delete inside tx.
func (s *Store) runRemoveHooks(ctx context.Context, tx *sql.Tx, list []*stored) error {
	if len(s.removeHooks) == 0 {
		return nil
	}
	byKind := map[string][]*stored{}
	for _, st := range list {
		kind, _, _ := strings.Cut(st.refKey, ":")
		if s.removeHooks[kind] != nil {
			byKind[kind] = append(byKind[kind], st)
		}
	}
	for kind, sts := range byKind {
		removing, err := s.removedBodies(ctx, tx, sts)
		if err != nil {
			return err
		}
		for _, h := range s.removeHooks[kind] {
			if err := h(ctx, tx, removing); err != nil {
				return fmt.Errorf("before removing %s entities: %w", kind, err)
			}
		}
	}
	return nil
}

// removedBodies reads the bodies of list inside tx.
func (s *Store) removedBodies(ctx context.Context, tx *sql.Tx, list []*stored) ([]Removing, error) {
	keys := make(map[int64]string, len(list))
	ids := make([]any, len(list))
	for i, st := range list {
		ids[i], keys[st.id] = st.id, st.refKey
	}
	out := make([]Removing, 0, len(list))
	for _, chunk := range chunks(ids, 500) {
		q := s.dialect.rebind("SELECT b.entity_id, b.body, e.ref, e.kind_raw, e.uid FROM entity_bodies b JOIN entities e ON e.id = b.entity_id WHERE b.entity_id IN (" + placeholders(len(chunk)) + ")")
		rows, err := tx.QueryContext(ctx, q, chunk...)
		if err != nil {
			return nil, fmt.Errorf("read removed bodies: %w", err)
		}
		for rows.Next() {
			var id int64
			var body []byte
			var ref, kind, uid string
			if err := rows.Scan(&id, &body, &ref, &kind, &uid); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read removed bodies: %w", err)
			}
			if body, err = unpackBody(body, nil); err != nil {
				// The hooks get the stand-in: a damaged copy must not
				// block the write that replaces or removes it.
				r := parseStoredRef(ref)
				r.Kind = kind
				body, _ = s.damagedBody(r, uid, err)
			}
			out = append(out, Removing{Key: keys[id], Body: body})
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read removed bodies: %w", err)
		}
	}
	return out, nil
}
