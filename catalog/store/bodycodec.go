package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/klauspost/compress/s2"

	"github.com/porticohq/portico/catalog"
)

// Entity bodies on SQLite are stored compressed. An API's body holds its
// inline definition: ~13 KB of JSON that S2 (a faster Snappy) makes ~2.8
// KB of at 2 GB/s on one core of a small VM. Uncompressed, each body filled
// a 16 KB page of its own: at 100,000 APIs the bodies were 1.5 of the
// database's 2 GB, every byte written twice (WAL, then checkpoint), and
// those writes were a quarter of a cold load's CPU. zstd packs a fifth
// smaller but is four times slower to write; on two cores that spends what
// the smaller writes save. PostgreSQL compresses large TEXT values itself
// (TOAST), so its bodies stay plain JSON.
//
// A stored body is either JSON text (it starts with '{': a database
// written before, PostgreSQL, or a body over maxPackedBody) or
// packedPrefix, the CRC-32C of the JSON (4 bytes, big-endian) and an S2
// block. Both read back, so an older database needs no migration. The
// checksum turns a damaged block into an error instead of altered JSON;
// the size bound keeps a damaged length header from making a read
// allocate more than a body can be.
var packedPrefix = []byte("\x00s2")

// maxPackedBody is the largest body stored compressed: more than any
// definition under the default read limit (32 MiB) takes as JSON. A larger
// body, possible when an operator raises that limit, is stored as text.
const maxPackedBody = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// packBody compresses a body for storage, or returns nil for a body over
// maxPackedBody, which is stored as it is.
func packBody(body []byte) []byte {
	if len(body) > maxPackedBody {
		return nil
	}
	scratch := packScratch.Get().(*[]byte)
	defer packScratch.Put(scratch)
	if n := s2.MaxEncodedLen(len(body)); cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	block := s2.Encode((*scratch)[:cap(*scratch)], body)
	// An exact copy: the scratch has room for the worst case, five times
	// what a body usually packs to, and a batch holds hundreds of them.
	head := len(packedPrefix) + 4
	out := make([]byte, head+len(block))
	copy(out, packedPrefix)
	binary.BigEndian.PutUint32(out[len(packedPrefix):], crc32.Checksum(body, castagnoli))
	copy(out[head:], block)
	if cap(*scratch) > maxPooledBody {
		*scratch = nil
	}
	return out
}

// packScratch holds the worst-case room S2 encodes a body into.
var packScratch = sync.Pool{New: func() any { return new([]byte) }}

// unpackBody returns a stored body as JSON: decompressed and checked when
// it was packed, as it is otherwise. dst, when it has room, receives it.
func unpackBody(stored, dst []byte) ([]byte, error) {
	rest, packed := bytes.CutPrefix(stored, packedPrefix)
	if !packed {
		if len(stored) == 0 || stored[0] != '{' {
			// A damaged prefix must not send packed bytes out as JSON.
			return nil, errors.New("decompress stored body: it is neither JSON nor a compressed body")
		}
		return stored, nil
	}
	if len(rest) < 4 {
		return nil, errors.New("decompress stored body: it is cut short")
	}
	sum, block := binary.BigEndian.Uint32(rest), rest[4:]
	n, err := s2.DecodedLen(block)
	if err == nil && n > maxPackedBody {
		err = fmt.Errorf("it claims %d bytes, more than a stored body holds", n)
	}
	if err != nil {
		return nil, fmt.Errorf("decompress stored body: %w", err)
	}
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	out, err := s2.Decode(dst[:n], block)
	if err != nil {
		return nil, fmt.Errorf("decompress stored body: %w", err)
	}
	if crc32.Checksum(out, castagnoli) != sum {
		return nil, errors.New("decompress stored body: its checksum does not match")
	}
	return out, nil
}

// isPacked says whether a stored body is compressed.
func isPacked(stored []byte) bool { return bytes.HasPrefix(stored, packedPrefix) }

// packsBodies says whether this store compresses the bodies it writes.
func (s *Store) packsBodies() bool { return s.dialect.name() == SQLite }

// storedBody is the value pd's body is written as: compressed on SQLite
// (by Prepare on every core when it could, else here), JSON text otherwise.
func (s *Store) storedBody(pd *pending) any {
	if !s.packsBodies() {
		return pd.body
	}
	if pd.packed == nil {
		pd.packed = packBody([]byte(pd.body))
	}
	if pd.packed == nil {
		return pd.body // over maxPackedBody
	}
	return pd.packed
}

// damagedBody stands in for a stored body that does not read back (a
// damaged page or block): the entity keeps its place in lists, pages and
// searches, named from its columns, and carries a problem saying what
// happened and what to do. One damaged row must not fail every page that
// lists it, nor the writes that replace or orphan it.
func (s *Store) damagedBody(ref catalog.Ref, uid string, err error) ([]byte, catalog.Problem) {
	if _, logged := s.damagedLogged.LoadOrStore(ref.Key(), true); !logged {
		s.log.Warn("an entity's stored body is damaged (logged once per entity and process)", "entity", ref.String(), "err", err)
	}
	e := catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       ref.Kind,
		Metadata:   catalog.Metadata{Name: ref.Name, Namespace: ref.Namespace, UID: uid},
		Spec:       map[string]any{},
	}
	body, _ := json.Marshal(&e)
	return body, catalog.Problem{Entity: ref.String(), Message: "the catalog's stored copy of this entity is damaged (" + err.Error() +
		"); a change to its source rewrites it, or the entity can be deleted"}
}
