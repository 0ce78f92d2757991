package portico_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// backstageExampleFiles names, for each entity Backstage 4.0's catalog
// backend stores from its example catalog (testdata/backstage-examples,
// SOURCES.md) read through all.yaml as a configured location, the file its
// backstage.io/managed-by-location names; the 33rd, the Location generated
// for the configured location, names all.yaml. Not here: api:default/spotify,
// wayback-archive and wayback-search, whose definitions are $text https URLs
// (PlaceholderProcessor fails without the network, and an entity whose first
// processing failed is never stitched into final_entities).
var backstageExampleFiles = map[string]string{
	"location:default/example-all":        "all.yaml",
	"location:default/example-apis":       "all-apis.yaml",
	"location:default/example-components": "all-components.yaml",
	"location:default/example-domains":    "all-domains.yaml",
	"location:default/example-resources":  "all-resources.yaml",
	"location:default/example-systems":    "all-systems.yaml",

	"api:default/hello-world":      "apis/hello-world-api.yaml",
	"api:default/hello-world-trpc": "apis/hello-world-trpc-api.yaml",
	"api:default/petstore":         "apis/petstore-api.yaml",
	"api:default/petstore31":       "apis/petstore-31-api.yaml",
	"api:default/starwars-graphql": "apis/swapi-graphql.yaml",
	"api:default/streetlights":     "apis/streetlights-api.yaml",

	"component:default/artist-lookup":             "components/artist-lookup-component.yaml",
	"component:default/petstore":                  "components/petstore-component.yaml",
	"component:default/playback-order":            "components/playback-order-component.yaml",
	"component:default/playback-sdk":              "components/playback-lib-component.yaml",
	"component:default/podcast-api":               "components/podcast-api-component.yaml",
	"component:default/queue-proxy":               "components/queue-proxy-component.yaml",
	"component:default/searcher":                  "components/searcher-component.yaml",
	"component:default/shuffle-api":               "components/shuffle-api-component.yaml",
	"component:default/wayback-archive":           "components/wayback-archive-component.yaml",
	"component:default/wayback-archive-ingestion": "components/wayback-archive-ingestion-component.yaml",
	"component:default/wayback-archive-storage":   "components/wayback-archive-storage-component.yaml",
	"component:default/wayback-search":            "components/wayback-search-component.yaml",
	"component:default/www-artist":                "components/www-artist-component.yaml",

	"domain:default/artists":  "domains/artists-domain.yaml",
	"domain:default/audio":    "domains/audio-domain.yaml",
	"domain:default/playback": "domains/playback-domain.yaml",

	"resource:default/artists-db": "resources/artists-db-resource.yaml",

	"system:default/artist-engagement-portal": "systems/artist-engagement-portal-system.yaml",
	"system:default/audio-playback":           "systems/audio-playback-system.yaml",
	"system:default/podcast":                  "systems/podcast-system.yaml",
}

// backstageExampleRelations are the relations of those entities as Backstage
// answers them: BuiltinKindsEntityProcessor.postProcessEntity emits every
// spec ref in both directions as rows of the relations table, kept whether
// or not the other end exists (90 rows here), and performStitching gives an
// entity the DISTINCT (type, target) rows whose source is that entity. So an
// entity's ownedBy a Group that is not in the catalog is listed (26 here),
// while that Group's ownerOf rows, and the rows whose source is one of the
// three APIs that need the network, are on no entity (29 rows): 61 in all.
const backstageExampleRelations = `
api:default/hello-world apiProvidedBy component:default/petstore
api:default/hello-world ownedBy group:default/team-c
api:default/hello-world-trpc ownedBy group:default/team-c
api:default/petstore apiProvidedBy component:default/petstore
api:default/petstore ownedBy group:default/team-c
api:default/petstore31 ownedBy group:default/team-c
api:default/starwars-graphql ownedBy group:default/team-b
api:default/streetlights apiProvidedBy component:default/petstore
api:default/streetlights ownedBy group:default/team-c
component:default/artist-lookup ownedBy group:default/team-a
component:default/artist-lookup partOf system:default/artist-engagement-portal
component:default/petstore ownedBy group:default/team-c
component:default/petstore providesApi api:default/hello-world
component:default/petstore providesApi api:default/petstore
component:default/petstore providesApi api:default/streetlights
component:default/playback-order ownedBy group:default/guest
component:default/playback-sdk ownedBy group:default/team-c
component:default/playback-sdk partOf system:default/audio-playback
component:default/podcast-api ownedBy group:default/team-b
component:default/podcast-api partOf system:default/podcast
component:default/queue-proxy ownedBy group:default/team-b
component:default/queue-proxy partOf system:default/podcast
component:default/searcher ownedBy user:default/guest
component:default/shuffle-api ownedBy user:default/guest
component:default/shuffle-api partOf system:default/audio-playback
component:default/wayback-archive hasPart component:default/wayback-archive-ingestion
component:default/wayback-archive hasPart component:default/wayback-archive-storage
component:default/wayback-archive ownedBy group:default/team-a
component:default/wayback-archive providesApi api:default/wayback-archive
component:default/wayback-archive-ingestion ownedBy group:default/team-d
component:default/wayback-archive-ingestion partOf component:default/wayback-archive
component:default/wayback-archive-storage ownedBy group:default/team-a
component:default/wayback-archive-storage partOf component:default/wayback-archive
component:default/wayback-search consumesApi api:default/wayback-archive
component:default/wayback-search ownedBy group:default/team-a
component:default/wayback-search providesApi api:default/wayback-search
component:default/www-artist ownedBy group:default/team-a
component:default/www-artist partOf system:default/artist-engagement-portal
domain:default/artists hasPart system:default/artist-engagement-portal
domain:default/artists ownedBy group:default/team-a
domain:default/artists partOf domain:default/audio
domain:default/audio hasPart domain:default/artists
domain:default/audio ownedBy group:default/acme-corp
domain:default/playback hasPart system:default/audio-playback
domain:default/playback hasPart system:default/podcast
domain:default/playback ownedBy user:default/frank.tiernan
resource:default/artists-db ownedBy group:default/team-a
resource:default/artists-db partOf system:default/artist-engagement-portal
system:default/artist-engagement-portal hasPart component:default/artist-lookup
system:default/artist-engagement-portal hasPart component:default/www-artist
system:default/artist-engagement-portal hasPart resource:default/artists-db
system:default/artist-engagement-portal ownedBy group:default/team-a
system:default/artist-engagement-portal partOf domain:default/artists
system:default/audio-playback hasPart component:default/playback-sdk
system:default/audio-playback hasPart component:default/shuffle-api
system:default/audio-playback ownedBy group:default/team-c
system:default/audio-playback partOf domain:default/playback
system:default/podcast hasPart component:default/podcast-api
system:default/podcast hasPart component:default/queue-proxy
system:default/podcast ownedBy group:default/team-b
system:default/podcast partOf domain:default/playback
`

// TestBackstageExampleCatalogAsBackstageStoresIt loads Backstage's example
// catalog through its all.yaml, as a file location and as a url location,
// and compares what the REST API answers with what Backstage 4.0's catalog
// backend stores from the same files: the same 33 entities, 61 relations and
// location annotations.
func TestBackstageExampleCatalogAsBackstageStoresIt(t *testing.T) {
	t.Run("file location", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS("testdata/backstage-examples")); err != nil {
			t.Fatal(err)
		}
		all := filepath.Join(dir, "all.yaml")
		base := examplesBackend(t, "", fmt.Sprintf("  locations:\n    - {type: file, target: %s}\n", all))
		// AnnotateLocationEntityProcessor adds view-url, edit-url and
		// source-location only for url locations; a file location gets the
		// two managed-by annotations and nothing else.
		compareWithBackstage(t, base, func(file string) map[string]string {
			return map[string]string{
				catalog.AnnotationManagedByLocation:       "file:" + filepath.Join(dir, file),
				catalog.AnnotationManagedByOriginLocation: "file:" + all,
			}
		})

		// The rows whose source is not in the catalog are stored all the
		// same: a Group that arrives later at once owns what names it.
		t.Run("a Group added later owns what already names it", func(t *testing.T) {
			writeFile(t, dir, "org.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n")
			allYAML, err := os.ReadFile(all)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "all.yaml", string(allYAML)+"    - ./org.yaml\n")
			var group *catalog.Entity
			waitEntity(t, base, "group:default/team-a", "ingested", func(e *catalog.Entity) bool { group = e; return e != nil })
			var owns []string
			for _, r := range group.Relations {
				owns = append(owns, r.Type+" "+r.TargetRef)
			}
			want := []string{
				"ownerOf component:default/artist-lookup",
				"ownerOf component:default/wayback-archive",
				"ownerOf component:default/wayback-archive-storage",
				"ownerOf component:default/wayback-search",
				"ownerOf component:default/www-artist",
				"ownerOf domain:default/artists",
				"ownerOf resource:default/artists-db",
				"ownerOf system:default/artist-engagement-portal",
			}
			if diff := cmp.Diff(want, owns); diff != "" {
				t.Errorf("group:default/team-a relations (-want +got):\n%s", diff)
			}
		})
	})

	for _, db := range []string{"SQLite", "PostgreSQL"} {
		t.Run("url location on "+db, func(t *testing.T) {
			backend := ""
			if db == "PostgreSQL" {
				backend = pgDatabaseYAML(t)
			}
			srv := httptest.NewServer(http.FileServer(http.Dir("testdata/backstage-examples")))
			t.Cleanup(srv.Close)
			u, _ := url.Parse(srv.URL)
			backend += fmt.Sprintf("  reading:\n    allow: [{host: '%s'}]\n    allowAddresses: [127.0.0.1]\n", u.Host)
			base := examplesBackend(t, backend, fmt.Sprintf("  locations:\n    - {type: url, target: %s/all.yaml}\n", srv.URL))
			// A url location also gets view-url, the URL read; edit-url and
			// source-location only where an SCM integration knows the host,
			// which none does for this one.
			compareWithBackstage(t, base, func(file string) map[string]string {
				return map[string]string{
					catalog.AnnotationManagedByLocation:       "url:" + srv.URL + "/" + file,
					catalog.AnnotationManagedByOriginLocation: "url:" + srv.URL + "/all.yaml",
					catalog.AnnotationViewURL:                 srv.URL + "/" + file,
				}
			})
		})
	}
}

// examplesBackend starts a backend with the catalog's file and url
// locations, configured by the lines under backend: and catalog:, and waits
// until it is ready, which is when the configured locations have been read.
// Without a backend.database it runs on a temporary SQLite file.
func examplesBackend(t *testing.T, backend, catalogYAML string) string {
	t.Helper()
	yaml := "catalog:\n" + catalogYAML
	if backend != "" {
		yaml = "backend:\n" + backend + yaml
	}
	cfg, err := config.Parse("app-config.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	var b *portico.Backend
	if strings.Contains(backend, "database:") {
		b = portico.New(portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false), portico.WithLogger(slogText(&syncBuffer{})))
	} else {
		b, _ = testBackend(t, portico.WithConfig(cfg))
	}
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule(), catalogplugin.URLLocationsModule())
	base := start(t, b)
	waitReady(t, base)
	return base
}

// compareWithBackstage compares every entity, relation and annotation the
// REST API answers with backstageExampleFiles and backstageExampleRelations.
// annotations gives the annotations Backstage sets on an entity read from a
// file of the tree; the Location generated for the configured location has
// those of all.yaml.
func compareWithBackstage(t *testing.T, base string, annotations func(file string) map[string]string) {
	t.Helper()
	var entities []catalog.Entity
	if status := getJSON(t, base, "/api/catalog/entities", &entities); status != http.StatusOK {
		t.Fatalf("GET /entities: %d", status)
	}
	root := annotations("all.yaml")
	want := map[string]map[string]string{
		"location:default/generated-" + sha1Hex(root[catalog.AnnotationManagedByLocation]): root,
	}
	for ref, file := range backstageExampleFiles {
		want[ref] = annotations(file)
	}
	// Sorted by entity, each entity's relations kept in the order the API
	// gives them: Backstage's is by type, then target.
	sort.Slice(entities, func(i, j int) bool { return entities[i].Ref().Key() < entities[j].Ref().Key() })
	got := map[string]map[string]string{}
	var relations []string
	for _, e := range entities {
		ref := e.Ref().Key()
		got[ref] = e.Metadata.Annotations
		for _, r := range e.Relations {
			relations = append(relations, ref+" "+r.Type+" "+r.TargetRef)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities and their annotations (-Backstage +Portico):\n%s", diff)
	}
	if diff := cmp.Diff(strings.Split(strings.TrimSpace(backstageExampleRelations), "\n"), relations); diff != "" {
		t.Errorf("relations (-Backstage +Portico):\n%s", diff)
	}
	if len(entities) != 33 || len(relations) != 61 {
		t.Errorf("%d entities and %d relations, want 33 and 61", len(entities), len(relations))
	}
}
