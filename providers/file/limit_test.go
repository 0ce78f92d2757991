package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
)

// TestReadLimitIsTheURLReadersUnlessSet: descriptor files and their $text
// targets obey one limit, backend.reading.maxBytes (carried by the URL
// reader), and a refusal names the key that raises it.
func TestReadLimitIsTheURLReadersUnlessSet(t *testing.T) {
	base := t.TempDir()
	def := filepath.Join(base, "defs", "petstore.yaml")
	write(t, def, "openapi: 3.0.0\n"+strings.Repeat("# padding\n", 100))
	write(t, filepath.Join(base, "api.yaml"), api("pets", "fine"))
	big := filepath.Join(base, "big.yaml")
	write(t, big, component("web")+strings.Repeat("# padding\n", 100))
	size := func(path string) int64 {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	refused := []string{
		fmt.Sprintf("file:%s: file is %d bytes, larger than the read limit of 500 bytes (backend.reading.maxBytes)", big, size(big)),
		fmt.Sprintf("api:default/pets: spec.definition: $text ./defs/petstore.yaml: %s is %d bytes, larger than the read limit of 500 bytes (backend.reading.maxBytes)", def, size(def)),
	}
	for _, tc := range []struct {
		name string
		opts Options
		want []string // problems; none means both files are ingested
	}{
		{"the URL reader's limit", Options{URLs: &catalog.URLReader{MaxSize: 500}}, refused},
		{"MaxBytes wins", Options{URLs: &catalog.URLReader{MaxSize: 10 << 20}, MaxBytes: 500}, refused},
		{"the default admits both", Options{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *store.Store) {
				opts := tc.opts
				opts.Target, opts.Rescan = filepath.Join(base, "*.yaml"), -1
				p := New(opts)
				p.noWatch = true
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if err := p.Connect(ctx, connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}); err != nil {
					t.Fatal(err)
				}
				sps, err := s.SourceProblems(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got := describe(sps)
				for _, want := range tc.want {
					if !strings.Contains(got, want) {
						t.Errorf("missing problem %q in:\n%s", want, got)
					}
				}
				if tc.want != nil {
					return
				}
				if got != "" {
					t.Errorf("problems with the default limit:\n%s", got)
				}
				for _, ref := range []string{"component:default/web", "api:default/pets"} {
					if e, _ := entity(t, s, ref); e == nil {
						t.Errorf("%s not ingested with the default limit", ref)
					}
				}
			})
		})
	}
}
