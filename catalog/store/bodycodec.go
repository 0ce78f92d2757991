package store

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/s2"
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
// written before, or PostgreSQL) or packedPrefix and an S2 block, so both
// read back and an older database needs no migration.
var packedPrefix = []byte("\x00s2")

// maxBodyBytes bounds a decompressed body: more than any body written (a
// definition's read limit is 32 MiB by default; an operator may raise
// it), so a damaged block cannot make a read allocate without end.
const maxBodyBytes = 1 << 30

// packBody compresses a body for storage.
func packBody(body string) []byte {
	dst := make([]byte, len(packedPrefix), len(packedPrefix)+s2.MaxEncodedLen(len(body)))
	copy(dst, packedPrefix)
	packed := s2.Encode(dst[len(packedPrefix):cap(dst)], []byte(body))
	return dst[:len(packedPrefix)+len(packed)]
}

// unpackBody returns a stored body as JSON: decompressed when it was
// packed, as it is otherwise. dst, when it has room, receives it.
func unpackBody(stored, dst []byte) ([]byte, error) {
	block, packed := bytes.CutPrefix(stored, packedPrefix)
	if !packed {
		return stored, nil
	}
	n, err := s2.DecodedLen(block)
	if err == nil && n > maxBodyBytes {
		err = fmt.Errorf("%d bytes is more than a body may hold", n)
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
		pd.packed = packBody(pd.body)
	}
	return pd.packed
}
