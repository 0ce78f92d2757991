package apihistory

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/porticohq/portico/catalog/store"
)

// Remover is the catalog store's hook on removals (catalog/store.Store).
type Remover interface {
	BeforeRemove(kind string, h store.RemoveHook)
}

// KeepRemovedFrom makes st store, in the transaction that deletes an API
// entity, the body of that API's current version when it was stored
// without one: the entity held it, and nothing else will once it is
// gone. Call it once per process, after Migrate (the hook writes
// api_versions); a removal of no API costs nothing.
func (s *Store) KeepRemovedFrom(st Remover) {
	st.BeforeRemove("API", s.keepRemoved)
}

// keepRemoved stores, inside tx, the definitions of the removed APIs
// whose version with that definition has no body. An entity whose body
// cannot be decoded is skipped (its last definition is then lost, as
// before); an error is returned only for a failed query, and fails the
// removal.
func (s *Store) keepRemoved(ctx context.Context, tx *sql.Tx, removing []store.Removing) error {
	defs := make([]keptDefinition, 0, len(removing))
	for _, r := range removing {
		def, err := bodyDefinition(r.Key, r.Body)
		if err != nil || len(def) == 0 {
			continue
		}
		defs = append(defs, keptDefinition{key: r.Key, def: def})
	}
	return s.keepDefinitions(ctx, tx, defs)
}

// keptDefinition is the definition an API entity held before it was
// removed or rewritten.
type keptDefinition struct {
	key string
	def []byte
}

// keepDefinitions stores, inside tx, each definition whose version is
// stored without a body (only those are hashed and compressed): the
// entity that held it is about to be removed or overwritten.
func (s *Store) keepDefinitions(ctx context.Context, tx *sql.Tx, defs []keptDefinition) error {
	if len(defs) == 0 {
		return nil
	}
	keys := make([]string, len(defs))
	for i, d := range defs {
		keys[i] = d.key
	}
	unkept := map[string][]string{} // entity key → hashes stored without a body
	for chunk := range chunks(keys) {
		q := s.rebind("SELECT entity_key, hash FROM api_versions WHERE length(definition) = 0 AND entity_key IN (" +
			placeholders(len(chunk)) + ")")
		if err := scanPairs(ctx, tx, q, anys(chunk), unkept); err != nil {
			return fmt.Errorf("keep replaced definitions: %w", err)
		}
	}
	for _, d := range defs {
		hashes := unkept[d.key]
		if len(hashes) == 0 {
			continue // nothing of it lacks a body: no need to hash it
		}
		hash := Hash(d.def)
		if !slices.Contains(hashes, hash) {
			continue
		}
		gz, err := compress(d.def)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE api_versions SET definition = ?
WHERE entity_key = ? AND hash = ? AND length(definition) = 0`), gz, d.key, hash); err != nil {
			return fmt.Errorf("keep the definition of %s: %w", d.key, err)
		}
	}
	return nil
}

func scanPairs(ctx context.Context, tx *sql.Tx, q string, args []any, into map[string][]string) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k, h string
		if err := rows.Scan(&k, &h); err != nil {
			return err
		}
		into[k] = append(into[k], h)
	}
	return rows.Err()
}
