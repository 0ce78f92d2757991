package catalogplugin

import (
	"context"
	"fmt"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers/file"
)

// FileLocationsModule makes every catalog.locations entry of type file an
// entity provider named "file:<target>": the matching files, and everything
// their kind: Location entities name, are ingested at start, then followed
// on disk (notifications plus a periodic re-scan). Relative targets are
// relative to the working directory, as in Backstage. A Location may name
// files under any configured file location's directory, nothing else.
func FileLocationsModule() portico.Feature {
	return portico.NewModule(ID, "file-locations", func(r portico.ModuleRegistrar) error {
		cat, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		s := r.Services()
		roots := FileRoots(s.Settings.Catalog.Locations)
		for _, loc := range s.Settings.Catalog.Locations {
			if loc.Type != "file" {
				continue
			}
			cat.AddEntityProvider(file.New(file.Options{
				Target: loc.Target,
				Roots:  roots,
				URLs:   s.URLReader,
				Logger: s.Logger.With("location", "file:"+loc.Target),
			}))
		}
		return nil
	})
}

// FileRoots returns the directories of the configured file locations: the
// absolute part of each target before any glob. File reads of every file
// location (Location targets, placeholders, definition $refs) stay inside
// them.
func FileRoots(locs []config.LocationSettings) []string {
	var roots []string
	for _, l := range locs {
		if l.Type == "file" {
			roots = append(roots, file.Root(l.Target, ""))
		}
	}
	return roots
}

// URLLocationsModule reads catalog.locations entries of type url through the
// URL reader (hosts must be allowed by backend.reading.allow), every
// catalog.processingInterval, following its Location entities; relative
// targets and $text placeholders resolve against the naming URL.
func URLLocationsModule() portico.Feature {
	return portico.NewModule(ID, "url-locations", func(r portico.ModuleRegistrar) error {
		cat, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		s := r.Services()
		cat.AddLocationReader("url", URLTreeReader{Targets: &catalog.Targets{URLs: s.URLReader}})
		return nil
	})
}

// URLTreeReader reads a url location and every location its kind: Location
// entities name, to any depth (relative targets resolve against the naming
// URL; every URL must pass backend.reading.allow), as one full mutation
// whose dropped entities become orphans.
type URLTreeReader struct {
	Targets catalog.TargetReader
}

// ReadLocation implements LocationReader. The run fails, changing nothing,
// when the location itself cannot be read or does not exist; a nested
// location that fails keeps what it emitted before.
func (u URLTreeReader) ReadLocation(ctx context.Context, target string) (catalog.Mutation, error) {
	root := catalog.LocationSpec{Type: "url", Target: target}
	return FollowMutation(ctx, u.Targets, root, root.String())
}

// FollowMutation follows root and returns what it holds as a full mutation
// of a location bucket, listing the locations it read, so that each orphan
// names the Location that dropped it. It fails when root itself cannot be read, so that a
// location that is briefly unreachable does not orphan what it emitted.
func FollowMutation(ctx context.Context, tr catalog.TargetReader, root catalog.LocationSpec, origin string) (catalog.Mutation, error) {
	reads := catalog.FollowLocations(ctx, tr, []catalog.LocationSpec{root}, origin)
	if err := ctx.Err(); err != nil {
		return catalog.Mutation{}, err
	}
	m := catalog.Mutation{Type: catalog.Full, Orphans: true}
	for _, r := range reads {
		if r.Location == root {
			switch {
			case r.Missing:
				return catalog.Mutation{}, fmt.Errorf("%s does not exist", root.Target)
			case r.Failed != nil && len(r.Entities) == 0:
				return catalog.Mutation{}, catalog.Problems(r.Failed.Problems)
			}
		}
		if !r.Missing {
			m.Followed = append(m.Followed, r.Location.String())
		}
		m.Entities = append(m.Entities, r.Entities...)
		if r.Failed != nil {
			m.Failed = append(m.Failed, *r.Failed)
		}
	}
	return m, nil
}
