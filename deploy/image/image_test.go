package image

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	testVersion = "v0.0.0-imagecheck"
	testTag     = "portico:" + testVersion
	maxSize     = 40_000_000 // compressed bytes a node pulls
)

// TestImage builds the portico binary as a release would (static, from the
// main module), writes the image archive, reads it back with
// go-containerregistry the way a registry client would, and checks what
// Kubernetes and Docker rely on.
func TestImage(t *testing.T) {
	bin := buildPortico(t)
	archive := filepath.Join(t.TempDir(), "portico-image.tar")
	writeArchive(t, bin, archive)
	img := readLayout(t, archive)

	t.Run("config", func(t *testing.T) { checkConfig(t, img) })
	t.Run("media types and size", func(t *testing.T) { checkManifest(t, img) })
	t.Run("docker manifest.json names the same image", func(t *testing.T) { checkDockerManifest(t, img, archive) })
	t.Run("files", func(t *testing.T) { checkFiles(t, img) })
	t.Run("reproducible", func(t *testing.T) {
		again := filepath.Join(t.TempDir(), "again.tar")
		writeArchive(t, bin, again)
		a, b := readFile(t, archive), readFile(t, again)
		if !bytes.Equal(a, b) {
			t.Errorf("two builds of the same binary differ (%d and %d bytes)", len(a), len(b))
		}
	})
	t.Run("binary in the image is static and runs", func(t *testing.T) { checkBinaryRuns(t, img) })
	t.Run("image file tree serves", func(t *testing.T) { checkServes(t, img) })
}

func checkConfig(t *testing.T, img v1.Image) {
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	c := cf.Config
	if uid, _, _ := strings.Cut(c.User, ":"); uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("User %q: want a numeric non-root uid (runAsNonRoot can only check a number)", c.User)
	}
	want := v1.Config{
		User:         "65532:65532",
		Entrypoint:   []string{"/usr/local/bin/portico"},
		Cmd:          []string{"serve"},
		WorkingDir:   "/data",
		ExposedPorts: map[string]struct{}{"7007/tcp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"PORTICO_LISTEN=0.0.0.0:7007",
			"ZONEINFO=/usr/share/zoneinfo.zip",
		},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "Portico",
			"org.opencontainers.image.description": "API developer portal with a Backstage-compatible software catalog",
			"org.opencontainers.image.version":     testVersion,
		},
		StopSignal: "SIGTERM",
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("image config (-want +got):\n%s", diff)
	}
	if c.Healthcheck != nil {
		t.Errorf("Healthcheck %+v: the image has no program to run it; Kubernetes probes over HTTP", c.Healthcheck)
	}
	if len(cf.History) != 2 || !cf.Created.Equal(time.Unix(0, 0)) {
		t.Errorf("history %d entries, created %v: want 2 entries at the fixed epoch", len(cf.History), cf.Created)
	}
}

func checkManifest(t *testing.T, img v1.Image) {
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("manifest %s, config %s: want OCI media types", m.MediaType, m.Config.MediaType)
	}
	for i, l := range m.Layers {
		if l.MediaType != types.OCILayer {
			t.Errorf("layer %d: media type %s, want %s", i, l.MediaType, types.OCILayer)
		}
	}
	size, err := CompressedSize(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("image: %d layers, %.1f MB compressed", len(m.Layers), float64(size)/1e6)
	if size > maxSize {
		t.Errorf("compressed size %d bytes, want at most %d", size, maxSize)
	}
}

// checkDockerManifest reads the archive as `docker load` does (manifest.json)
// and wants the config and layers the OCI index names.
func checkDockerManifest(t *testing.T, img v1.Image, archive string) {
	tag, err := name.NewTag(testTag)
	if err != nil {
		t.Fatal(err)
	}
	docker, err := tarball.ImageFromPath(archive, &tag)
	if err != nil {
		t.Fatalf("read manifest.json: %v", err)
	}
	if diff := cmp.Diff(digests(t, img), digests(t, docker)); diff != "" {
		t.Errorf("config and layers (-index.json +manifest.json):\n%s", diff)
	}
}

func digests(t *testing.T, img v1.Image) []string {
	t.Helper()
	cfg, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"config " + cfg.String()}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "layer "+d.String())
	}
	return out
}

// entry is one file of the image's flattened file tree.
type entry struct {
	hdr  *tar.Header
	data []byte
}

func checkFiles(t *testing.T, img v1.Image) {
	fs := fileTree(t, img)
	want := map[string]struct {
		mode     int64
		uid, gid int
		typ      byte
	}{
		"usr/local/bin/portico":             {0o755, 0, 0, tar.TypeReg},
		"data":                              {0o750, UID, GID, tar.TypeDir},
		"tmp":                               {0o1777, 0, 0, tar.TypeDir},
		"etc/passwd":                        {0o644, 0, 0, tar.TypeReg},
		"etc/group":                         {0o644, 0, 0, tar.TypeReg},
		"etc/ssl/certs/ca-certificates.crt": {0o644, 0, 0, tar.TypeReg},
		"usr/share/zoneinfo.zip":            {0o644, 0, 0, tar.TypeReg},
	}
	for p, w := range want {
		e, ok := fs[p]
		if !ok {
			t.Errorf("%s: missing from the image", p)
			continue
		}
		if e.hdr.Typeflag != w.typ || e.hdr.Mode != w.mode || e.hdr.Uid != w.uid || e.hdr.Gid != w.gid {
			t.Errorf("%s: type %c mode %o owner %d:%d, want type %c mode %o owner %d:%d",
				p, e.hdr.Typeflag, e.hdr.Mode, e.hdr.Uid, e.hdr.Gid, w.typ, w.mode, w.uid, w.gid)
		}
	}
	if p := string(fs["etc/passwd"].data); !strings.Contains(p, "\nportico:x:65532:65532:") {
		t.Errorf("/etc/passwd has no portico user with uid 65532:\n%s", p)
	}
	if g := string(fs["etc/group"].data); !strings.Contains(g, "\nportico:x:65532:") {
		t.Errorf("/etc/group has no portico group with gid 65532:\n%s", g)
	}
	if n := countCerts(t, fs["etc/ssl/certs/ca-certificates.crt"].data); n < 50 {
		t.Errorf("CA bundle holds %d certificates, want a full set (at least 50)", n)
	}
	if z := fs["usr/share/zoneinfo.zip"].data; !bytes.HasPrefix(z, []byte("PK")) {
		t.Errorf("zoneinfo.zip is not a zip file")
	}
}

func countCerts(t *testing.T, bundle []byte) int {
	t.Helper()
	n := 0
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return n
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			t.Errorf("CA bundle: certificate %d: %v", n+1, err)
		}
		n++
	}
}

// fileTree reads the image's flattened file tree (what a container sees).
func fileTree(t *testing.T, img v1.Image) map[string]entry {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	fs := map[string]entry{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return fs
		}
		if err != nil {
			t.Fatalf("read image file tree: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("read %s: %v", hdr.Name, err)
		}
		fs[strings.Trim(hdr.Name, "/")] = entry{hdr: hdr, data: data}
	}
}

// buildPortico builds the main module's command as the README's release
// recipe does, with the flags of scripts/test.sh's static build so CI
// reuses its compiled packages and only links again.
func buildPortico(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "portico")
	cmd := exec.Command("go", "build", "-ldflags", "-s -w -X main.buildVersion="+testVersion, "-o", out, "./cmd/portico")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/portico: %v\n%s", err, b)
	}
	return out
}

func writeArchive(t *testing.T, bin, path string) {
	t.Helper()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	spec := Spec{
		Binary:         bin,
		CACertificates: "/etc/ssl/certs/ca-certificates.crt",
		Zoneinfo:       filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"),
		Version:        testVersion,
		Created:        time.Unix(0, 0),
	}
	img, err := Build(spec)
	if err != nil {
		t.Fatalf("build image: %v", err)
	}
	tag, err := name.NewTag(testTag)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteArchive(f, img, tag, spec.Created); err != nil {
		t.Fatalf("write archive: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// readLayout unpacks the archive and opens it as an OCI image layout, the
// way skopeo and podman read it, finding the image by its tag annotation.
func readLayout(t *testing.T, archive string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	untar(t, archive, dir)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("open OCI layout: %v", err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 {
		t.Fatalf("index.json lists %d manifests, want 1", len(m.Manifests))
	}
	d := m.Manifests[0]
	if ref := d.Annotations[RefNameAnnotation]; ref != testVersion {
		t.Errorf("index.json %s = %q, want %q", RefNameAnnotation, ref, testVersion)
	}
	if n := d.Annotations[ImageNameAnnotation]; n != "docker.io/library/"+testTag {
		t.Errorf("index.json %s = %q", ImageNameAnnotation, n)
	}
	img, err := idx.Image(d.Digest)
	if err != nil {
		t.Fatalf("open image %s: %v", d.Digest, err)
	}
	return img
}

func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("read archive: %v", err)
		}
		p := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if hdr.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
