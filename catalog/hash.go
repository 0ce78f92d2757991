package catalog

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
)

// contentHash is the sha256 of a canonical encoding of the entity, its
// relations and its location key, so the store can skip rewriting unchanged
// entities. The encoding is length-prefixed and walks maps in key order; it
// is several times cheaper than encoding JSON (no escaping, no buffers),
// which matters for entities carrying large inline definitions.
func contentHash(e *Entity, rels []RelationRow, locationKey string) (string, error) {
	h := sha256.New()
	w := hashWriter{w: bufio.NewWriterSize(h, 512)} // a few sha256 blocks
	w.str(e.APIVersion)
	w.str(e.Kind)
	m := &e.Metadata
	for _, s := range []string{m.Name, m.Namespace, m.Title, m.Description} {
		w.str(s)
	}
	w.stringMap(m.Labels)
	w.stringMap(m.Annotations)
	w.tag('l', len(m.Tags))
	for _, t := range m.Tags {
		w.str(t)
	}
	w.tag('l', len(m.Links))
	for _, l := range m.Links {
		for _, s := range []string{l.URL, l.Title, l.Icon, l.Type} {
			w.str(s)
		}
	}
	w.value(m.Extra)
	w.value(e.Spec)
	w.tag('r', len(rels))
	for _, r := range rels {
		w.str(r.Source)
		w.str(r.Type)
		w.str(r.Target)
	}
	w.str(locationKey)
	if w.err != nil {
		return "", w.err
	}
	if err := w.w.Flush(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashWriter writes through a buffer: the hash's Write takes bytes, and
// converting each string (an inline definition of kilobytes) would copy it
// to the heap first.
type hashWriter struct {
	w   *bufio.Writer
	buf [9]byte
	err error
}

func (w *hashWriter) tag(t byte, n int) {
	w.buf[0] = t
	binary.LittleEndian.PutUint64(w.buf[1:], uint64(n))
	w.w.Write(w.buf[:])
}

func (w *hashWriter) str(s string) {
	w.tag('s', len(s))
	w.w.WriteString(s)
}

func (w *hashWriter) stringMap(m map[string]string) {
	w.tag('m', len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		w.str(k)
		w.str(m[k])
	}
}

func (w *hashWriter) value(v any) {
	switch t := v.(type) {
	case nil:
		w.tag('n', 0)
	case string:
		w.str(t)
	case bool:
		if t {
			w.tag('b', 1)
		} else {
			w.tag('b', 0)
		}
	case int:
		w.tag('i', t)
	case int64:
		w.tag('i', int(t))
	case uint64:
		w.tag('u', int(t))
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			w.err = fmt.Errorf("entity holds the number %v, which JSON cannot represent", t)
		}
		w.tag('f', int(math.Float64bits(t)))
	case map[string]any:
		w.tag('m', len(t))
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			w.str(k)
			w.value(t[k])
		}
	case []any:
		w.tag('a', len(t))
		for _, item := range t {
			w.value(item)
		}
	default:
		// Values from JSON placeholders or processors of other types: fall
		// back to their printed form, which is deterministic for scalars.
		w.str(fmt.Sprintf("%T:%v", v, v))
	}
}
