// Package image builds Portico's container image without a Docker engine:
// two layers made here (the base files, then the binary) and an OCI config,
// written as an image archive that docker, podman, skopeo and crane load.
// The Dockerfile at the repository's root builds the same file tree.
package image

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts; the Dockerfile and the Helm chart use the same.
const (
	UID          = 65532 // the non-root user "portico"
	GID          = 65532
	BinaryPath   = "/usr/local/bin/portico"
	DataDir      = "/data" // the volume; the working directory, so SQLite's portico.db lands here
	Port         = 7007
	Listen       = "0.0.0.0:7007"
	CAFile       = "/etc/ssl/certs/ca-certificates.crt"
	ZoneinfoFile = "/usr/share/zoneinfo.zip" // named by ZONEINFO: cron schedules with CRON_TZ need it
)

// Spec says what goes into the image.
type Spec struct {
	Binary         string    // a static portico executable (CGO_ENABLED=0 go build ./cmd/portico)
	CACertificates string    // a PEM bundle, e.g. Debian's /etc/ssl/certs/ca-certificates.crt
	Zoneinfo       string    // Go's $GOROOT/lib/time/zoneinfo.zip
	Version        string    // org.opencontainers.image.version
	Revision       string    // org.opencontainers.image.revision, if known
	Source         string    // org.opencontainers.image.source, if known
	Created        time.Time // image and file times; fixed for reproducible builds
}

// Build assembles the image. It refuses a binary that is not a static ELF
// executable for a known architecture: the image has no loader and no libc.
func Build(s Spec) (v1.Image, error) {
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return nil, fmt.Errorf("read binary: %w", err)
	}
	arch, err := CheckStatic(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("binary %s: %w", s.Binary, err)
	}
	base, err := baseFiles(s)
	if err != nil {
		return nil, err
	}
	baseLayer, err := layer(base, s.Created)
	if err != nil {
		return nil, fmt.Errorf("base layer: %w", err)
	}
	binLayer, err := layer([]file{{path: BinaryPath, mode: 0o755, data: bin}}, s.Created)
	if err != nil {
		return nil, fmt.Errorf("binary layer: %w", err)
	}
	created := v1.Time{Time: s.Created.UTC()}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1),
		mutate.Addendum{Layer: baseLayer, History: v1.History{Created: created,
			CreatedBy: "portico-image: /etc/passwd, /etc/group, CA certificates, zoneinfo, /data, /tmp"}},
		mutate.Addendum{Layer: binLayer, History: v1.History{Created: created,
			CreatedBy: "portico-image: " + BinaryPath}},
	)
	if err != nil {
		return nil, fmt.Errorf("append layers: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Created, cf.OS, cf.Architecture = created, "linux", arch
	cf.Config = Config(s)
	return mutate.ConfigFile(img, cf)
}

// Config is the image's run configuration. It has no Healthcheck: the OCI
// config has no such field (Docker's is an extension podman drops for OCI
// images), the image has no program that could probe over HTTP, and
// Kubernetes ignores it anyway: its kubelet probes /healthz and /readyz
// itself, as the Helm chart configures.
func Config(s Spec) v1.Config {
	labels := map[string]string{
		"org.opencontainers.image.title":       "Portico",
		"org.opencontainers.image.description": "API developer portal with a Backstage-compatible software catalog",
		"org.opencontainers.image.version":     s.Version,
	}
	if s.Revision != "" {
		labels["org.opencontainers.image.revision"] = s.Revision
	}
	if s.Source != "" {
		labels["org.opencontainers.image.source"] = s.Source
	}
	return v1.Config{
		User:         strconv.Itoa(UID) + ":" + strconv.Itoa(GID), // numeric: runAsNonRoot can check it
		Entrypoint:   []string{BinaryPath},
		Cmd:          []string{"serve"},
		WorkingDir:   DataDir,
		ExposedPorts: map[string]struct{}{strconv.Itoa(Port) + "/tcp": {}},
		Volumes:      map[string]struct{}{DataDir: {}},
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"PORTICO_LISTEN=" + Listen,
			"ZONEINFO=" + ZoneinfoFile,
		},
		Labels:     labels,
		StopSignal: "SIGTERM",
	}
}

// CheckStatic returns the image architecture of an ELF executable, or an
// error when it is dynamically linked: it would need a loader (PT_INTERP)
// or shared libraries that a from-scratch image does not have.
func CheckStatic(r io.ReaderAt) (string, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return "", fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			interp, _ := io.ReadAll(io.LimitReader(p.Open(), 256))
			return "", fmt.Errorf("dynamically linked: needs the loader %s (build with CGO_ENABLED=0)", bytes.TrimRight(interp, "\x00"))
		case elf.PT_DYNAMIC:
			return "", fmt.Errorf("dynamically linked: has a dynamic section (build with CGO_ENABLED=0)")
		}
	}
	if f.Type != elf.ET_EXEC {
		return "", fmt.Errorf("ELF type %s, want an executable (ET_EXEC)", f.Type)
	}
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	}
	return "", fmt.Errorf("ELF machine %s: only amd64 and arm64 images are built", f.Machine)
}

// baseFiles is the image's file tree apart from the binary.
func baseFiles(s Spec) ([]file, error) {
	certs, err := os.ReadFile(s.CACertificates)
	if err != nil {
		return nil, fmt.Errorf("read CA certificates: %w", err)
	}
	zoneinfo, err := os.ReadFile(s.Zoneinfo)
	if err != nil {
		return nil, fmt.Errorf("read zoneinfo: %w", err)
	}
	passwd := "root:x:0:0:root:/root:/sbin/nologin\n" +
		fmt.Sprintf("portico:x:%d:%d:portico:%s:/sbin/nologin\n", UID, GID, DataDir)
	group := "root:x:0:\n" + fmt.Sprintf("portico:x:%d:\n", GID)
	return []file{
		{path: "/etc/passwd", mode: 0o644, data: []byte(passwd)},
		{path: "/etc/group", mode: 0o644, data: []byte(group)},
		{path: "/etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")},
		{path: CAFile, mode: 0o644, data: certs},
		{path: ZoneinfoFile, mode: 0o644, data: zoneinfo},
		{path: "/usr/local/bin", dir: true, mode: 0o755},
		{path: "/tmp", dir: true, mode: 0o1777},
		{path: DataDir, dir: true, mode: 0o750, uid: UID, gid: GID},
	}, nil
}

// layer makes an OCI layer (gzip) of files; parent directories are added
// root-owned, 0755.
func layer(files []file, mtime time.Time) (v1.Layer, error) {
	data, err := tarFiles(files, mtime)
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}

// CompressedSize is what a registry stores and a node pulls: the manifest,
// the config and the compressed layers.
func CompressedSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, fmt.Errorf("manifest: %w", err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return 0, fmt.Errorf("manifest: %w", err)
	}
	total := int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		total += l.Size
	}
	return total, nil
}
