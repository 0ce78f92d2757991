package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/porticohq/portico/catalog"
)

var _ catalog.LocationStore = (*Store)(nil)

// CreateLocation records a registered location with a new random id, as
// Backstage's DefaultLocationStore does; the unique (type, target) index
// turns a second registration, from any replica, into a conflict.
func (s *Store) CreateLocation(ctx context.Context, spec catalog.LocationSpec) (catalog.RegisteredLocation, error) {
	loc := catalog.RegisteredLocation{ID: uuid.NewString(), Type: spec.Type, Target: spec.Target}
	if _, err := s.LocationBySpec(ctx, spec); err == nil {
		return catalog.RegisteredLocation{}, locationExists(spec)
	}
	q := s.dialect.rebind("INSERT INTO locations (id, type, target, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (type, target) DO NOTHING")
	res, err := s.sql.ExecContext(ctx, q, loc.ID, loc.Type, loc.Target, s.now().UnixMilli())
	if err != nil {
		return catalog.RegisteredLocation{}, fmt.Errorf("create location %s: %w", spec, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return catalog.RegisteredLocation{}, locationExists(spec)
	}
	return loc, nil
}

func locationExists(spec catalog.LocationSpec) error {
	return catalog.Errorf(catalog.ECONFLICT, "Location %s already exists", spec)
}

// Locations lists the registered locations, oldest first.
func (s *Store) Locations(ctx context.Context) ([]catalog.RegisteredLocation, error) {
	rows, err := s.sql.QueryContext(ctx, "SELECT id, type, target FROM locations ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	defer rows.Close()
	var out []catalog.RegisteredLocation
	for rows.Next() {
		var l catalog.RegisteredLocation
		if err := rows.Scan(&l.ID, &l.Type, &l.Target); err != nil {
			return nil, fmt.Errorf("list locations: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LocationByID returns the registered location with this id.
func (s *Store) LocationByID(ctx context.Context, id string) (catalog.RegisteredLocation, error) {
	return s.locationWhere(ctx, "id = ?", id)
}

// LocationBySpec returns the registered location with this type and target.
func (s *Store) LocationBySpec(ctx context.Context, spec catalog.LocationSpec) (catalog.RegisteredLocation, error) {
	return s.locationWhere(ctx, "type = ? AND target = ?", spec.Type, spec.Target)
}

func (s *Store) locationWhere(ctx context.Context, where string, args ...any) (catalog.RegisteredLocation, error) {
	var l catalog.RegisteredLocation
	q := s.dialect.rebind("SELECT id, type, target FROM locations WHERE " + where)
	err := s.sql.QueryRowContext(ctx, q, args...).Scan(&l.ID, &l.Type, &l.Target)
	if errors.Is(err, sql.ErrNoRows) {
		return l, catalog.Errorf(catalog.ENOTFOUND, "Found no location with %s", describeArgs(where, args))
	}
	if err != nil {
		return l, fmt.Errorf("read location: %w", err)
	}
	return l, nil
}

func describeArgs(where string, args []any) string {
	if len(args) == 1 {
		return fmt.Sprintf("ID %v", args[0])
	}
	return fmt.Sprintf("type %v and target %v", args[0], args[1])
}

// DeleteLocation removes a registered location and returns it.
func (s *Store) DeleteLocation(ctx context.Context, id string) (catalog.RegisteredLocation, error) {
	l, err := s.LocationByID(ctx, id)
	if err != nil {
		return l, err
	}
	res, err := s.sql.ExecContext(ctx, s.dialect.rebind("DELETE FROM locations WHERE id = ?"), id)
	if err != nil {
		return l, fmt.Errorf("delete location %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return l, catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", id)
	}
	return l, nil
}

// UpdateLocation changes a registered location's type and target, keeping
// its id; ECONFLICT when another location has them, ENOTFOUND for an
// unknown id.
func (s *Store) UpdateLocation(ctx context.Context, id string, spec catalog.LocationSpec) (catalog.RegisteredLocation, error) {
	if other, err := s.LocationBySpec(ctx, spec); err == nil && other.ID != id {
		return catalog.RegisteredLocation{}, locationExists(spec)
	}
	res, err := s.sql.ExecContext(ctx, s.dialect.rebind("UPDATE locations SET type = ?, target = ? WHERE id = ?"), spec.Type, spec.Target, id)
	if err != nil {
		return catalog.RegisteredLocation{}, fmt.Errorf("update location %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return catalog.RegisteredLocation{}, catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", id)
	}
	return catalog.RegisteredLocation{ID: id, Type: spec.Type, Target: spec.Target}, nil
}
