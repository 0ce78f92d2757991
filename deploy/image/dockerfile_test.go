package image

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestDockerfileMatchesConfig keeps the two recipes in step: the final
// stage of the repository's Dockerfile must give the config Build writes
// (CI has no Docker engine to build it), and its build stage must lay out
// the same files.
func TestDockerfileMatchesConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := dockerfileConfig(string(b))
	if err != nil {
		t.Fatal(err)
	}
	want := Config(Spec{Version: "${VERSION}"})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Dockerfile's final stage differs from image.Config (-Config +Dockerfile):\n%s", diff)
	}
	for _, s := range []string{CAFile, "$r" + ZoneinfoFile, "portico:x:65532:65532:portico:/data:", "--chown=65532:65532 /out/data " + DataDir} {
		if !strings.Contains(string(b), s) {
			t.Errorf("Dockerfile does not mention %q", s)
		}
	}
}

// dockerfileConfig reads the instructions after the last FROM into an image
// config. It knows the forms the Dockerfile uses, nothing more.
func dockerfileConfig(dockerfile string) (v1.Config, error) {
	var c v1.Config
	for _, line := range instructions(dockerfile) {
		op, arg, _ := strings.Cut(line, " ")
		arg = strings.TrimSpace(arg)
		switch strings.ToUpper(op) {
		case "FROM":
			c = v1.Config{}
		case "USER":
			c.User = arg
		case "WORKDIR":
			c.WorkingDir = arg
		case "STOPSIGNAL":
			c.StopSignal = arg
		case "VOLUME":
			c.Volumes = setOf(c.Volumes, strings.Fields(arg))
		case "EXPOSE":
			c.ExposedPorts = setOf(c.ExposedPorts, strings.Fields(arg))
		case "ENV":
			c.Env = append(c.Env, quotedFields(arg)...)
		case "LABEL":
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			for _, kv := range quotedFields(arg) {
				k, v, _ := strings.Cut(kv, "=")
				c.Labels[k] = v
			}
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(arg), &c.Entrypoint); err != nil {
				return c, err
			}
		case "CMD":
			if err := json.Unmarshal([]byte(arg), &c.Cmd); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// instructions joins continued lines and drops comments and blank lines.
func instructions(dockerfile string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(dockerfile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// quotedFields splits on spaces outside double quotes and drops the quotes.
func quotedFields(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func setOf(m map[string]struct{}, keys []string) map[string]struct{} {
	if m == nil {
		m = map[string]struct{}{}
	}
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}
