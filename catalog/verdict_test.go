package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// verdictCase is one descriptor document and the verdict Backstage's
// @backstage/catalog-model gives it; each is written from a rule of the
// schema files (packages/catalog-model/src/schema/...) or validators
// (packages/catalog-model/src/validation/...), which its name cites.
type verdictCase struct {
	name string
	doc  string // one YAML document
	want string // "" when valid; else a part of the problem that refuses it
}

// doc is a descriptor of kind at backstage.io/v1alpha1 named x, with the
// given metadata fields and spec (YAML flow style; "" leaves spec out).
func doc(kind, meta, spec string) string {
	return docAt("backstage.io/v1alpha1", kind, meta, spec)
}

func docAt(apiVersion, kind, meta, spec string) string {
	if meta != "" {
		meta = ", " + meta
	}
	out := "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata: {name: x" + meta + "}\n"
	if spec != "" {
		out += "spec: " + spec + "\n"
	}
	return out
}

const (
	apiSpecYAML       = "{type: openapi, lifecycle: production, owner: team-a, definition: 'openapi: 3.0.0'}"
	componentSpecYAML = "{type: service, lifecycle: production, owner: team-a}"
	groupSpecYAML     = "{type: team, children: []}"
	userSpecYAML      = "{memberOf: []}"
	templateSpecYAML  = "{type: service, steps: [{action: fetch:plain}]}"
)

// checkVerdicts runs every case through both ways Portico judges
// descriptors, which must agree with the case and with each other:
// `portico validate` (ValidateFiles on a file) and ingest as the file
// provider does it (ParseYAML, then Catalog.Process). Every problem names
// the file, the document and, once kind and name are known, the entity.
func checkVerdicts(t *testing.T, cases []verdictCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const file = "catalog/catalog-info.yaml"
			ingested := ingestVerdict(t, New(nil, Options{}), file, tc.doc)
			checkVerdict(t, "ingest", file, tc, ingested)

			path := filepath.Join(t.TempDir(), "catalog-info.yaml")
			if err := os.WriteFile(path, []byte(tc.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			validated := withoutMissingTargets(ValidateFiles(context.Background(), []string{path}))
			checkVerdict(t, "portico validate", path, tc, validated)
			if diff := cmp.Diff(problemLines(ingested), problemLines(validated)); diff != "" {
				t.Errorf("ingest and portico validate disagree (-ingest +validate):\n%s", diff)
			}
		})
	}
}

// ingestVerdict is what ingest makes of one file: its parse problems, then
// the problems of each entity it holds.
func ingestVerdict(t *testing.T, c *Catalog, file, doc string) []Problem {
	t.Helper()
	entities, problems := ParseYAML([]byte(doc), Source{Location: file})
	for _, d := range entities {
		problems = append(problems, c.Process(context.Background(), "test", d).Problems...)
	}
	return problems
}

func checkVerdict(t *testing.T, path, file string, tc verdictCase, problems []Problem) {
	t.Helper()
	msg := Problems(problems).Error()
	switch {
	case tc.want == "" && len(problems) > 0:
		t.Errorf("%s: refused, want valid:\n%s", path, msg)
	case tc.want != "" && !strings.Contains(msg, tc.want):
		t.Errorf("%s: problems:\n%s\nwant one containing %q", path, msg, tc.want)
	}
	named := namesEntity(tc.doc)
	for _, p := range problems {
		if p.File != file || p.Document != 1 || (named && p.Entity == "") {
			t.Errorf("%s: problem %q does not name file %s, document 1 and the entity", path, p.Error(), file)
		}
	}
}

// namesEntity reports whether doc has a kind and a name that are strings,
// so problems can name the entity.
func namesEntity(doc string) bool {
	var v struct {
		Kind     any `yaml:"kind"`
		Metadata struct {
			Name any `yaml:"name"`
		} `yaml:"metadata"`
	}
	if yaml.Unmarshal([]byte(doc), &v) != nil {
		return false
	}
	kind, _ := v.Kind.(string)
	name, _ := v.Metadata.Name.(string)
	return kind != "" && name != ""
}

// problemLines renders problems without their file, in a stable order
// (metadata fields are checked in map order).
func problemLines(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		p.File = ""
		out[i] = p.Error()
	}
	slices.Sort(out)
	return out
}

// TestVerdictsAgreeWithBackstage runs every case of the tables below
// through Backstage's own code (testdata/backstage_verdicts.js over the
// @backstage/catalog-model that package.json pins) and requires the same
// verdict, valid or refused, as Portico's ingest gives.
func TestVerdictsAgreeWithBackstage(t *testing.T) {
	var all []verdictCase
	for _, cases := range [][]verdictCase{kindCases, minLengthCases, requiredSpecCases, rootFieldCases, profileCases, locationCases, namespaceCases} {
		all = append(all, cases...)
	}
	verdicts := backstageVerdicts(t, all)
	for i, tc := range all {
		v := verdicts[i]
		if v.Skip != "" {
			continue
		}
		portico := len(ingestVerdict(t, New(nil, Options{}), "catalog-info.yaml", tc.doc)) == 0
		if portico != v.Valid {
			t.Errorf("%s: Portico says valid=%v, Backstage says valid=%v (%s)", tc.name, portico, v.Valid, v.Error)
		}
	}
}

type backstageVerdict struct {
	Valid bool   `json:"valid"`
	Error string `json:"error"`
	Skip  string `json:"skip"`
}

// backstageVerdicts asks node for Backstage's verdict on each case. It
// skips the test where node or the package is absent, and fails it in CI,
// where scripts/setup.sh installs both.
func backstageVerdicts(t *testing.T, cases []verdictCase) []backstageVerdict {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("..", "node_modules", "@backstage", "catalog-model", "package.json"))
	}
	if err != nil {
		const hint = "Backstage's catalog-model is absent: run `bash scripts/setup.sh` (node and npm ci)"
		if ci := strings.ToLower(os.Getenv("CI")); ci == "true" || ci == "1" {
			t.Fatalf("%s: %v", hint, err)
		}
		t.Skipf("%s: %v", hint, err)
	}
	entities := make([]any, len(cases))
	for i, tc := range cases {
		var v any
		if err := yaml.Unmarshal([]byte(tc.doc), &v); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		entities[i] = Normalize(v)
	}
	input, err := json.Marshal(entities)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "backstage_verdicts.js"))
	cmd.Stdin = strings.NewReader(string(input))
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		t.Fatalf("backstage_verdicts.js: %v\n%s", err, exitErr.Stderr)
	}
	if err != nil {
		t.Fatal(err)
	}
	var verdicts []backstageVerdict
	if err := json.Unmarshal(out, &verdicts); err != nil || len(verdicts) != len(cases) {
		t.Fatalf("backstage_verdicts.js answered %d verdicts for %d cases (%v): %s", len(verdicts), len(cases), err, out)
	}
	return verdicts
}

// withoutMissingTargets drops what validate finds by following a Location's
// targets (the cases name files that do not exist): ingest of one file, as
// checkVerdicts runs it, does not follow them, and the verdicts are about
// the descriptor itself.
func withoutMissingTargets(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if strings.HasPrefix(p.Message, "target ") && strings.HasSuffix(p.Message, " does not exist") {
			continue
		}
		out = append(out, p)
	}
	return out
}
