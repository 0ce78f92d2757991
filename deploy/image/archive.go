package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations of the archive's index.json naming the image, as `docker
// save` writes them: the tag for OCI tools, the full name for containerd.
const (
	RefNameAnnotation    = "org.opencontainers.image.ref.name"
	ImageNameAnnotation  = "io.containerd.image.name"
	archiveDirMode       = 0o755
	archiveFileMode      = 0o644
	ociLayoutFileContent = `{"imageLayoutVersion":"1.0.0"}`
)

// WriteArchive writes img as an OCI image layout in a tar stream (oci-layout,
// index.json, blobs/sha256/...) plus the manifest.json of `docker save`, as
// Docker 25 itself does: `docker load`, `podman load`, `skopeo copy
// oci-archive:...` and `crane push` all read it. Entries are in a fixed
// order with fixed times, so the same image gives the same bytes.
func WriteArchive(w io.Writer, img v1.Image, tag name.Tag, mtime time.Time) error {
	manifest, err := img.RawManifest()
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("manifest digest: %w", err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("config digest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("layers: %w", err)
	}
	index, err := indexJSON(digest, int64(len(manifest)), tag)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	a := archive{tw: tw, mtime: mtime.UTC()}
	a.dir("blobs/")
	a.dir("blobs/sha256/")
	a.bytes("blobs/sha256/"+configName.Hex, config)
	a.bytes("blobs/sha256/"+digest.Hex, manifest)
	layerPaths := make([]string, 0, len(layers))
	for _, l := range layers {
		p, err := a.layer(l)
		if err != nil {
			return err
		}
		layerPaths = append(layerPaths, p)
	}
	a.bytes("index.json", index)
	docker, err := dockerManifest("blobs/sha256/"+configName.Hex, tag, layerPaths)
	if err != nil {
		return err
	}
	a.bytes("manifest.json", docker)
	a.bytes("oci-layout", []byte(ociLayoutFileContent))
	if a.err != nil {
		return a.err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("close archive: %w", err)
	}
	return nil
}

// indexJSON is the layout's index.json: one manifest, named by tag.
func indexJSON(digest v1.Hash, size int64, tag name.Tag) ([]byte, error) {
	index := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: types.OCIManifestSchema1,
			Digest:    digest,
			Size:      size,
			Annotations: map[string]string{
				RefNameAnnotation:   tag.TagStr(),
				ImageNameAnnotation: fullName(tag),
			},
		}},
	}
	b, err := json.Marshal(index)
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	return b, nil
}

// fullName spells tag as containerd does: docker.io/library/portico:v1.
func fullName(tag name.Tag) string {
	registry := tag.RegistryStr()
	if registry == name.DefaultRegistry {
		registry = "docker.io"
	}
	return registry + "/" + tag.RepositoryStr() + ":" + tag.TagStr()
}

// dockerManifest is the manifest.json of `docker save`, pointing into the
// layout's blobs.
func dockerManifest(config string, tag name.Tag, layers []string) ([]byte, error) {
	b, err := json.Marshal([]struct {
		Config   string
		RepoTags []string
		Layers   []string
	}{{Config: config, RepoTags: []string{tag.String()}, Layers: layers}})
	if err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	return b, nil
}

// archive writes tar entries, keeping the first error.
type archive struct {
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (a *archive) header(name string, typ byte, mode, size int64) bool {
	if a.err != nil {
		return false
	}
	hdr := &tar.Header{Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: a.mtime}
	if err := a.tw.WriteHeader(hdr); err != nil {
		a.err = fmt.Errorf("archive %s: %w", name, err)
		return false
	}
	return true
}

func (a *archive) dir(name string) { a.header(name, tar.TypeDir, archiveDirMode, 0) }

func (a *archive) bytes(name string, data []byte) {
	if a.header(name, tar.TypeReg, archiveFileMode, int64(len(data))) {
		if _, err := a.tw.Write(data); err != nil {
			a.err = fmt.Errorf("archive %s: %w", name, err)
		}
	}
}

// layer writes a compressed layer blob and returns its path.
func (a *archive) layer(l v1.Layer) (string, error) {
	digest, err := l.Digest()
	if err != nil {
		return "", fmt.Errorf("layer digest: %w", err)
	}
	size, err := l.Size()
	if err != nil {
		return "", fmt.Errorf("layer %s size: %w", digest, err)
	}
	p := "blobs/sha256/" + digest.Hex
	if !a.header(p, tar.TypeReg, archiveFileMode, size) {
		return "", a.err
	}
	rc, err := l.Compressed()
	if err != nil {
		return "", fmt.Errorf("layer %s: %w", digest, err)
	}
	defer rc.Close()
	if _, err := io.Copy(a.tw, rc); err != nil {
		return "", fmt.Errorf("layer %s: %w", digest, err)
	}
	return p, nil
}
