package awss3

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
	"github.com/porticohq/portico/providers"
)

func locationDoc(name string, targets ...string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: " + name + "}\nspec:\n  targets: [" + strings.Join(targets, ", ") + "]\n"
}

// A Location in an object names other objects relative to its key (inside
// the prefix or not) and URLs, which must pass backend.reading.allow.
func TestLocationsInObjectsAreFollowed(t *testing.T) {
	f := newFakeS3(t)
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/remote.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(api("remote")))
	}))
	defer remote.Close()
	f.put(t, "catalog/catalog-info.yaml", locationDoc("root", "./teams/all.yaml", "../shared/common.yaml", "./missing.yaml", "https://elsewhere.example/x.yaml", remote.URL+"/remote.yaml"))
	f.put(t, "catalog/teams/all.yaml", locationDoc("teams", "./a.yaml", "../catalog-info.yaml"))
	f.put(t, "catalog/teams/a.yaml", api("a"))
	f.put(t, "shared/common.yaml", api("common"))
	loopback, err := egress.ParseAddressRules([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	urls := &catalog.URLReader{Allow: []catalog.ReadAllowRule{{Host: strings.TrimPrefix(remote.URL, "http://")}}, Addresses: loopback}
	p, err := New(context.Background(), Config{ID: "default", BucketName: "catalog", Prefix: "catalog/", Region: "us-east-1",
		Endpoint: f.srv.URL, ForcePathStyle: true, AccessKeyID: "AKIDTEST", SecretAccessKey: testSecret,
		Schedule: providers.Schedule{Frequency: time.Hour, Timeout: 30 * time.Second}, Safety: providers.DefaultSafety()}, urls, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Orphans {
		t.Error("a bucket's mutation does not keep dropped entities as orphans")
	}
	var got, problems []string
	for _, d := range m.Entities {
		got = append(got, d.Entity.Ref().String()+" "+strings.TrimPrefix(d.Source.Location, "url:"+f.srv.URL))
		for _, pr := range d.Problems {
			problems = append(problems, pr.Field+": "+pr.Message)
		}
	}
	slices.Sort(got)
	want := []string{
		"api:default/a /catalog/catalog/teams/a.yaml",
		"api:default/common /catalog/shared/common.yaml",
		"api:default/remote url:" + remote.URL + "/remote.yaml",
		"location:default/root /catalog/catalog/catalog-info.yaml",
		"location:default/teams /catalog/catalog/teams/all.yaml",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entities:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	all := strings.Join(problems, "\n")
	for _, w := range []string{"spec.targets[2]: target ./missing.yaml:", "does not exist",
		"spec.targets[3]: target https://elsewhere.example/x.yaml: reading https://elsewhere.example/x.yaml is not allowed by backend.reading.allow",
		"spec.targets[1]: target ../catalog-info.yaml leads back to"} {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q:\n%s", w, all)
		}
	}
	// A second run fetches only what is not in the listing (the object
	// outside the prefix, and the missing one, which may have appeared):
	// the rest comes from the cache by ETag.
	before := p.Reads()
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := p.Reads() - before; n != 2 {
		t.Errorf("second run fetched %d objects, want 2 (those outside the listing)", n)
	}
}

// An edit to a $text target shows on the next run although the descriptor
// object did not change: the target is read again when its ETag changes.
func TestPlaceholderTargetsAreReadAgainWhenTheyChange(t *testing.T) {
	f := newFakeS3(t)
	f.put(t, "apis/spec.yaml", strings.Replace(api("d"), "definition: 'openapi: 3.0.0'", "definition:\n    $text: ./openapi.yaml", 1))
	f.put(t, "apis/openapi.yaml", "openapi: 3.0.0\ninfo: {title: v1, version: '1'}\npaths: {}\n")
	p := newProvider(t, f, "apis/")
	definition := func() string {
		t.Helper()
		m, err := p.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range m.Entities {
			if d.Entity.Metadata.Name == "d" {
				data, _, err := d.Source.Reader.ReadRelative(context.Background(), "./openapi.yaml")
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
		}
		t.Fatal("api d not read")
		return ""
	}
	if got := definition(); !strings.Contains(got, "title: v1") {
		t.Fatalf("first run: %q", got)
	}
	f.put(t, "apis/openapi.yaml", "openapi: 3.0.0\ninfo: {title: v2, version: '2'}\npaths: {}\n")
	if got := definition(); !strings.Contains(got, "title: v2") {
		t.Errorf("after the target changed: %q", got)
	}
}

// When a Location in an object stops naming another object, the orphan
// left names that Location's object, although the provider keeps no graph
// between runs; an object deleted under the prefix leaves orphans that
// name no Location (none named it), so the page names the bucket.
func TestOrphansNameTheObjectWhoseLocationDroppedThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFakeS3(t)
		f.put(t, "catalog/catalog-info.yaml", locationDoc("root", "../shared/kept.yaml", "../shared/dropped.yaml"))
		f.put(t, "catalog/listed.yaml", api("listed"))
		f.put(t, "shared/kept.yaml", api("kept"))
		f.put(t, "shared/dropped.yaml", api("dropped"))
		p := newProvider(t, f, "catalog/")
		cat := catalog.New(st, catalog.Options{})
		ctx := context.Background()
		run := func() {
			t.Helper()
			m, err := p.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cat.Apply(ctx, p.Name(), m); err != nil {
				t.Fatal(err)
			}
		}
		run()
		f.put(t, "catalog/catalog-info.yaml", locationDoc("root", "../shared/kept.yaml"))
		f.del(t, "catalog/listed.yaml")
		run()
		for name, want := range map[string]string{"dropped": p.location("catalog/catalog-info.yaml"), "listed": ""} {
			se, err := st.ByRef(ctx, catalog.Ref{Kind: "API", Namespace: "default", Name: name})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			e, err := se.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if a := e.Metadata.Annotations; a[catalog.AnnotationOrphan] != "true" || a[catalog.AnnotationOrphanedBy] != want {
				t.Errorf("%s: orphan %q, orphaned-by %q, want %q", name, a[catalog.AnnotationOrphan], a[catalog.AnnotationOrphanedBy], want)
			}
		}
	})
}
