package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

// TestSQLiteStoresBodiesCompressed: a large definition is written packed
// on SQLite (a fraction of its size on disk) and plain JSON on
// PostgreSQL, and reads back whole, through an update and an orphaning,
// which rewrite the body. PostgreSQL compresses it itself, with lz4.
func TestSQLiteStoresBodiesCompressed(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		def := strings.Repeat(`{"paths": {"/pets": {"get": {"summary": "List pets"}}}}`, 400)
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", def)), testEntity("API", "orders"))
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", def+" v2")), testEntity("API", "orders"))
		if _, err := s.Apply(context.Background(), catalog.StoreMutation{Provider: "apis", Type: catalog.Full, Orphan: true,
			Entities: []catalog.ProcessedEntity{testEntity("API", "pets", spec("definition", def+" v2"))}}); err != nil {
			t.Fatal(err)
		}
		_, pets := mustRef(t, s, "api:default/pets")
		if got := pets.SpecString("definition"); got != def+" v2" {
			t.Errorf("definition read back is %d bytes, want %d", len(got), len(def)+3)
		}
		_, orders := mustRef(t, s, "api:default/orders")
		if orders.Metadata.Annotations[catalog.AnnotationOrphan] != "true" {
			t.Errorf("orders is not orphaned: %v", orders.Metadata.Annotations)
		}
		for _, name := range []string{"pets", "orders"} {
			var stored []byte
			if err := s.sql.QueryRow(s.dialect.rebind("SELECT b.body FROM entity_bodies b JOIN entities e ON e.id = b.entity_id WHERE e.name = ?"), name).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if got, want := isPacked(stored), s.dialect.name() == SQLite; got != want {
				t.Errorf("%s: stored packed %v, want %v: %.20q", name, got, want, stored)
			}
			if name == "pets" && s.dialect.name() == SQLite && len(stored) > len(def)/10 {
				t.Errorf("pets is stored in %d bytes for a %d-byte definition", len(stored), len(def))
			}
		}
		if s.dialect.name() == Postgres {
			checkBodyCompression(t, s, "pets")
		}
	})
}

// checkBodyCompression: PostgreSQL compresses a large body itself, with
// lz4 where the server has it (migration 007), else with pglz.
func checkBodyCompression(t *testing.T, s *Store, name string) {
	t.Helper()
	methods := queryStrings(t, s, "SELECT unnest(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
	if len(methods) == 0 {
		t.Log("PostgreSQL before 14 has one compression method")
		return
	}
	want := "pglz"
	if slices.Contains(methods, "lz4") {
		want = "lz4"
	}
	var got sql.NullString
	if err := s.sql.QueryRow("SELECT pg_column_compression(b.body) FROM entity_bodies b JOIN entities e ON e.id = b.entity_id WHERE e.name = $1", name).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got.String != want {
		t.Errorf("%s's body is compressed with %q, want %q (the server has %v)", name, got.String, want, methods)
	}
}

// TestPlainBodiesOfAnOlderDatabaseReadBack: a body stored as JSON text (a
// database written before bodies were compressed) reads back as it is,
// and its next update packs it.
func TestPlainBodiesOfAnOlderDatabaseReadBack(t *testing.T) {
	s := openSQLiteT(t)
	apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", "v1")))
	se, _ := mustRef(t, s, "api:default/pets")
	plain := `{"apiVersion":"backstage.io/v1alpha1","kind":"API","metadata":{"name":"pets","namespace":"default","uid":"` + se.UID + `"},"spec":{"definition":"old"}}`
	if _, err := s.sql.Exec("UPDATE entity_bodies SET body = ?", plain); err != nil {
		t.Fatal(err)
	}
	if _, e := mustRef(t, s, "api:default/pets"); e.SpecString("definition") != "old" {
		t.Errorf("definition = %q, want the plain body's", e.SpecString("definition"))
	}
	apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", "v2")))
	var stored []byte
	if err := s.sql.QueryRow("SELECT body FROM entity_bodies").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !isPacked(stored) {
		t.Errorf("the updated body is stored plain: %.40q", stored)
	}
}

// damageBody flips one byte in the middle of the entity's packed block,
// where S2 still decodes but the text changes: only the checksum sees it.
func damageBody(t *testing.T, s *Store, name string) {
	t.Helper()
	var stored []byte
	q := "SELECT b.body FROM entity_bodies b JOIN entities e ON e.id = b.entity_id WHERE e.name = ?"
	if err := s.sql.QueryRow(q, name).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !isPacked(stored) {
		t.Fatalf("%s is not stored packed", name)
	}
	damaged := append([]byte{}, stored...)
	damaged[len(damaged)-3] ^= 0x01
	if _, err := s.sql.Exec("UPDATE entity_bodies SET body = ? WHERE entity_id = (SELECT id FROM entities WHERE name = ?)", damaged, name); err != nil {
		t.Fatal(err)
	}
}

// TestADamagedBodyIsShownAndReplacedNotFatal: a body whose checksum fails
// reads back as a stand-in named from its row, with a problem saying so,
// so the lists that include it still answer; and the writes that replace,
// orphan or delete it go through (a write hook reads the old body).
func TestADamagedBodyIsShownAndReplacedNotFatal(t *testing.T) {
	s := openSQLiteT(t)
	var hooked []string
	s.BeforeWrite("API", func(_ context.Context, _ *sql.Tx, writing []Writing) error {
		for _, w := range writing {
			hooked = append(hooked, w.Key)
		}
		return nil
	})
	text := strings.Repeat("Lists pets by owner and by kind. ", 20)
	mk := func(name, v string) catalog.ProcessedEntity {
		return testEntity("API", name, spec("definition", v), description(text))
	}
	apply(t, s, "apis", catalog.Full, mk("pets", "v1"), mk("orders", "v1"), mk("users", "v1"))
	damageBody(t, s, "pets")

	se, err := s.ByRef(context.Background(), catalog.MustParseRef("api:default/pets"))
	if err != nil {
		t.Fatalf("reading a damaged entity: %v", err)
	}
	e, err := se.Decode()
	if err != nil || e.Kind != "API" || e.Metadata.Name != "pets" || e.Metadata.UID != se.UID {
		t.Errorf("stand-in = %+v (%v), want API pets with its uid", e, err)
	}
	if len(se.Problems) != 1 || !strings.Contains(se.Problems[0].Message, "damaged") || !strings.Contains(se.Problems[0].Message, "checksum") {
		t.Errorf("problems = %+v, want one saying the stored copy is damaged (checksum)", se.Problems)
	}
	page, err := s.Query(context.Background(), catalog.Query{Filter: catalog.Filter{{{Key: "kind", Values: []string{"api"}}}}})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("a list holding the damaged entity: %d items, %v", len(page.Items), err)
	}

	// A new version replaces it, through the write hook's read of the old body.
	hooked = nil
	apply(t, s, "apis", catalog.Full, mk("pets", "v2"), mk("orders", "v1"), mk("users", "v1"))
	if _, pets := mustRef(t, s, "api:default/pets"); pets.SpecString("definition") != "v2" || !slices.Equal(hooked, []string{"api:default/pets"}) {
		t.Errorf("after the update: definition %q, hook saw %v", pets.SpecString("definition"), hooked)
	}

	// Orphaning rewrites it whole; deleting it works.
	damageBody(t, s, "orders")
	if _, err := s.Apply(context.Background(), catalog.StoreMutation{Provider: "apis", Type: catalog.Full, Orphan: true,
		Entities: []catalog.ProcessedEntity{mk("pets", "v2"), mk("users", "v1")}}); err != nil {
		t.Fatalf("orphaning a damaged entity: %v", err)
	}
	_, e = mustRef(t, s, "api:default/orders")
	if e.Metadata.Annotations[catalog.AnnotationOrphan] != "true" || e.Kind != "API" {
		t.Errorf("orders after orphaning: kind %s, annotations %v", e.Kind, e.Metadata.Annotations)
	}
	// A damaged prefix: the packed bytes must not go out as JSON.
	if _, err := s.sql.Exec("UPDATE entity_bodies SET body = CAST('\x01' || substr(body, 2) AS BLOB) WHERE entity_id = (SELECT id FROM entities WHERE name = 'users')"); err != nil {
		t.Fatal(err)
	}
	users, e := mustRef(t, s, "api:default/users")
	if !json.Valid(users.JSON) || e.Metadata.Name != "users" || len(users.Problems) != 1 {
		t.Errorf("users with a damaged prefix: valid JSON %v, name %q, problems %+v", json.Valid(users.JSON), e.Metadata.Name, users.Problems)
	}
	if _, err := s.RemoveByUID(context.Background(), users.UID); err != nil {
		t.Errorf("deleting a damaged entity: %v", err)
	}
	if _, err := s.ByRef(context.Background(), catalog.MustParseRef("api:default/users")); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("users after delete: %v", err)
	}
}

// TestUnpackRefusesWhatNoBodyIs: a block claiming more than a stored body
// holds is refused before anything that size is allocated, and a cut-off
// header is an error, not a panic.
func TestUnpackRefusesWhatNoBodyIs(t *testing.T) {
	huge := append(append([]byte{}, packedPrefix...), 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f) // uvarint 2^32-1
	if _, err := unpackBody(huge, nil); err == nil || !strings.Contains(err.Error(), "more than a stored body holds") {
		t.Errorf("unpack of a 4 GiB claim: %v", err)
	}
	if _, err := unpackBody(append([]byte{}, packedPrefix...), nil); err == nil {
		t.Error("unpack of a bare prefix succeeded")
	}
	if b := packBody([]byte(strings.Repeat("x", maxPackedBody+1))); b != nil {
		t.Errorf("a body over %d bytes was packed", maxPackedBody)
	}
	body := `{"kind":"API"}`
	if got, err := unpackBody(packBody([]byte(body)), nil); err != nil || string(got) != body {
		t.Errorf("round trip: %q, %v", got, err)
	}
}
