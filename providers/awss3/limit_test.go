package awss3

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestObjectsObeyTheReadLimit: a $text target larger than the old 10 MiB
// cap loads under the default limit (GitHub's description is 13 MB), and
// backend.reading.maxBytes (Config.MaxBytes) refuses what exceeds it, with
// a message naming the key.
func TestObjectsObeyTheReadLimit(t *testing.T) {
	f := newFakeS3(t)
	spec := "openapi: 3.0.0\ninfo: {title: big, version: '1'}\npaths: {}\n" + strings.Repeat("# padding to 12 MiB\n", 12<<20/20)
	f.put(t, "apis/big.yaml", strings.Replace(api("big"), "definition: 'openapi: 3.0.0'", "definition:\n    $text: ./specs/big.yaml", 1))
	f.put(t, "specs/big.yaml", spec)

	p := newProvider(t, f, "apis/")
	m, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Failed) != 0 || len(m.Entities) != 1 {
		t.Fatalf("default limit: entities %d, failed %+v", len(m.Entities), m.Failed)
	}
	data, _, err := m.Entities[0].Source.Reader.ReadRelative(context.Background(), "../specs/big.yaml")
	if err != nil || len(data) != len(spec) {
		t.Fatalf("12 MiB $text target under the default limit: %d bytes, %v", len(data), err)
	}

	p.cfg.MaxBytes = 1 << 20
	_, _, err = m.Entities[0].Source.Reader.ReadRelative(context.Background(), "../specs/big.yaml")
	want := fmt.Sprintf("s3://catalog/specs/big.yaml is %d bytes, larger than the read limit of 1048576 bytes (backend.reading.maxBytes)", len(spec))
	if err == nil || err.Error() != want {
		t.Errorf("with MaxBytes 1 MiB: %v, want %q", err, want)
	}
	p.cfg.MaxBytes = 100
	p.cache = map[string]cached{}
	m, err = p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Failed) != 1 || !strings.Contains(m.Failed[0].Problems[0].Message, "larger than the read limit of 100 bytes (backend.reading.maxBytes)") {
		t.Errorf("a descriptor object over MaxBytes: failed %+v", m.Failed)
	}
}
