package store

import (
	"context"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

// TestSQLiteStoresBodiesCompressed: a large definition is written packed
// on SQLite (a fraction of its size on disk) and plain JSON on
// PostgreSQL, and reads back whole, through an update and an orphaning,
// which rewrite the body.
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
	})
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

// TestDamagedBodyIsAnErrorNamingTheEntity: a packed body that does not
// decompress fails the read with the entity's ref, and a length that
// claims more than a body may hold is refused before allocating it.
func TestDamagedBodyIsAnErrorNamingTheEntity(t *testing.T) {
	s := openSQLiteT(t)
	apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", strings.Repeat("pets ", 100))))
	var stored []byte
	if err := s.sql.QueryRow("SELECT body FROM entity_bodies").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte{}, stored[:len(stored)-8]...)
	if _, err := s.sql.Exec("UPDATE entity_bodies SET body = ?", damaged); err != nil {
		t.Fatal(err)
	}
	_, err := s.ByRef(context.Background(), catalog.MustParseRef("api:default/pets"))
	if err == nil || !strings.Contains(err.Error(), "api:default/pets") || !strings.Contains(err.Error(), "decompress") {
		t.Errorf("reading a damaged body: %v, want a decompress error naming api:default/pets", err)
	}
	huge := append(append([]byte{}, packedPrefix...), 0xff, 0xff, 0xff, 0xff, 0x0f) // uvarint 2^32-1
	if _, err := unpackBody(huge, nil); err == nil || !strings.Contains(err.Error(), "more than a body may hold") {
		t.Errorf("unpack of a 4 GiB claim: %v", err)
	}
}
