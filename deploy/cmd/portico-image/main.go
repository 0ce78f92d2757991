// Command portico-image writes Portico's container image as an image
// archive without a Docker engine:
//
//	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=v1.2.3" -o dist/portico ./cmd/portico
//	cd deploy && go run ./cmd/portico-image -binary ../dist/portico -tag portico:v1.2.3 -out ../dist/portico-image.tar
//
// then `docker load -i dist/portico-image.tar`, `podman load -i ...`,
// `skopeo copy oci-archive:dist/portico-image.tar docker://registry/portico:v1.2.3`
// or `crane push dist/portico-image.tar registry/portico:v1.2.3`.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/porticohq/portico/deploy/image"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "portico-image:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("portico-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	binary := fs.String("binary", "", "static portico `executable` to put in the image (required)")
	out := fs.String("out", "portico-image.tar", "image archive to write")
	tagFlag := fs.String("tag", "portico:dev", "image `name:tag` recorded in the archive")
	certs := fs.String("ca-certificates", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of CA certificates")
	zoneinfo := fs.String("zoneinfo", "", "Go's zoneinfo.zip (default $(go env GOROOT)/lib/time/zoneinfo.zip)")
	version := fs.String("version", "", "org.opencontainers.image.version label (default: the tag)")
	revision := fs.String("revision", "", "source revision for the org.opencontainers.image.revision label")
	source := fs.String("source", "", "source URL for the org.opencontainers.image.source label")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *binary == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-binary is required and no arguments are taken")
	}
	tag, err := name.NewTag(*tagFlag)
	if err != nil {
		return fmt.Errorf("-tag: %w", err)
	}
	if *zoneinfo == "" {
		if *zoneinfo, err = goZoneinfo(); err != nil {
			return err
		}
	}
	created, err := sourceDateEpoch(os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}
	if *version == "" {
		*version = tag.TagStr()
	}
	spec := image.Spec{Binary: *binary, CACertificates: *certs, Zoneinfo: *zoneinfo,
		Version: *version, Revision: *revision, Source: *source, Created: created}
	return write(spec, tag, *out, stdout)
}

// write builds the image and writes the archive next to out, then renames
// it, so a failed build leaves no half-written archive.
func write(spec image.Spec, tag name.Tag, out string, stdout io.Writer) error {
	img, err := image.Build(spec)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".portico-image-*.tar")
	if err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := image.WriteArchive(tmp, img, tag, spec.Created); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image digest: %w", err)
	}
	size, err := image.CompressedSize(img)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s@%s compressed %.1f MB\n", out, tag, digest, float64(size)/1e6)
	return nil
}

// goZoneinfo finds the time zone database of the Go toolchain in use.
func goZoneinfo() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT (or give -zoneinfo): %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"), nil
}

// sourceDateEpoch is the image's creation time: $SOURCE_DATE_EPOCH when
// set (reproducible-builds.org), else the Unix epoch, as ko does, so the
// same binary gives the same image digest.
func sourceDateEpoch(v string) (time.Time, error) {
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", v, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}
