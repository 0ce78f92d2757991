package store

import (
	"context"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func TestBucketRefsListsOnlyTheProvidersEntities(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "file:a", catalog.Full, testEntity("API", "one"), testEntity("Component", "Two"))
		apply(t, s, "file:b", catalog.Full, testEntity("API", "three"))

		got, err := s.BucketRefs(context.Background(), "file:a")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range got {
			keys = append(keys, r.Ref.Key()+" "+r.Location)
		}
		sort.Strings(keys)
		want := []string{
			"api:default/one file:/catalog/one.yaml",
			"component:default/two file:/catalog/Two.yaml",
		}
		if diff := cmp.Diff(want, keys); diff != "" {
			t.Errorf("BucketRefs(file:a) (-want +got):\n%s", diff)
		}
		if none, err := s.BucketRefs(context.Background(), "nobody"); err != nil || len(none) != 0 {
			t.Errorf("BucketRefs(nobody) = %v, %v; want empty", none, err)
		}
	})
}
