package catalogplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
)

// RegisteredLocationTypes are the location types POST /locations accepts,
// as Backstage's default allowedLocationTypes.
var RegisteredLocationTypes = []string{"url"}

// locationSyncEvery is how often each replica compares the providers it
// schedules for registered locations with the locations table, so a
// location registered or removed through another replica is picked up.
const locationSyncEvery = 10 * time.Second

// locationService implements the catalog API's location endpoints over the
// configured locations and the registered ones (the store's locations
// table). Each registered location is a scheduled provider named
// "<type>:<target>" whose bucket holds its Location entity and everything it
// names, read again every catalog.processingInterval, one runner across
// replicas.
type locationService struct {
	s          *portico.Services
	store      catalog.LocationStore
	targets    catalog.TargetReader
	configured []catalog.RegisteredLocation
	schedule   providers.Schedule
	refreshers map[string]refresher // push providers (file locations) by name
	connect    func(name string) providers.Connection

	mu     sync.Mutex
	active map[string]string // registered location id → provider name
}

// refresher is a push provider that can read one of its locations again
// (a file location).
type refresher interface {
	Refresh(ctx context.Context, location string) (bool, error)
}

var _ catalog.LocationService = (*locationService)(nil)

func newLocationService(s *portico.Services, connect func(string) providers.Connection) *locationService {
	ls, _ := s.Store.(catalog.LocationStore)
	svc := &locationService{
		s: s, store: ls, connect: connect,
		targets:    &catalog.Targets{URLs: s.URLReader},
		refreshers: map[string]refresher{},
		active:     map[string]string{},
		schedule:   locationSchedule(s.Settings.Catalog.ProcessingInterval),
	}
	for _, l := range locationEntities(s.Settings.Catalog.Locations) {
		spec := catalog.LocationSpec{Type: l.Entity.SpecString("type"), Target: l.Entity.SpecString("target")}
		svc.configured = append(svc.configured, catalog.RegisteredLocation{ID: spec.String(), Type: spec.Type, Target: spec.Target})
	}
	return svc
}

// locationSchedule is how url locations are read: every processing
// interval, or practically never when it is false.
func locationSchedule(i config.IntervalSettings) providers.Schedule {
	if i.Off {
		return providers.Schedule{Frequency: 100 * 365 * 24 * time.Hour, Timeout: DefaultLocationTimeout, Manual: true}
	}
	return providers.Schedule{Frequency: i.Every, Timeout: DefaultLocationTimeout}
}

// start schedules the registered locations and keeps them in step with
// the table until ctx ends.
func (l *locationService) start(ctx context.Context) error {
	if l.store == nil {
		return nil
	}
	if err := l.sync(ctx); err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(locationSyncEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := l.sync(ctx); err != nil && ctx.Err() == nil {
					l.s.Logger.Warn("could not read the registered locations", "err", err)
				}
			}
		}
	}()
	return nil
}

// sync adds a provider for every registered location this replica does
// not schedule yet and removes those of locations gone from the table.
func (l *locationService) sync(ctx context.Context) error {
	rows, err := l.store.Locations(ctx)
	if err != nil {
		return fmt.Errorf("list registered locations: %w", err)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		seen[row.ID] = true
		l.mu.Lock()
		name, ok := l.active[row.ID]
		l.mu.Unlock()
		if ok && name != row.Spec().String() {
			// Moved (PUT /locations/:id) through another replica.
			l.s.Scheduler.Remove(name)
			ok = false
		}
		if !ok {
			if err := l.schedule1(row); err != nil {
				l.s.Logger.Warn("could not schedule a registered location", "location", row.Spec().String(), "err", err)
			}
		}
	}
	l.mu.Lock()
	var gone []string
	for id, name := range l.active {
		if !seen[id] {
			gone = append(gone, name)
			delete(l.active, id)
		}
	}
	l.mu.Unlock()
	for _, name := range gone {
		l.s.Scheduler.Remove(name)
	}
	return nil
}

// schedule1 adds the provider of one registered location.
func (l *locationService) schedule1(row catalog.RegisteredLocation) error {
	p := &registeredProvider{loc: row, svc: l}
	if err := l.s.Scheduler.Add(p, l.connect(p.Name())); err != nil {
		return err
	}
	l.mu.Lock()
	l.active[row.ID] = p.Name()
	l.mu.Unlock()
	return nil
}

// List returns the configured locations, then the registered ones.
func (l *locationService) List(ctx context.Context) ([]catalog.RegisteredLocation, error) {
	out := slices.Clone(l.configured)
	if l.store != nil {
		rows, err := l.store.Locations(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Get returns a configured or registered location by id.
func (l *locationService) Get(ctx context.Context, id string) (catalog.RegisteredLocation, error) {
	for _, c := range l.configured {
		if c.ID == id {
			return c, nil
		}
	}
	if l.store == nil {
		return catalog.RegisteredLocation{}, catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", id)
	}
	return l.store.LocationByID(ctx, id)
}

// ByEntity returns the location an entity's origin annotation names.
func (l *locationService) ByEntity(ctx context.Context, ref catalog.Ref) (catalog.RegisteredLocation, error) {
	se, err := l.s.Store.ByRef(ctx, ref)
	if err != nil {
		return catalog.RegisteredLocation{}, catalog.Errorf(catalog.ENOTFOUND, "found no entity for ref %s", ref)
	}
	e, err := se.Decode()
	if err != nil {
		return catalog.RegisteredLocation{}, fmt.Errorf("decode %s: %w", ref, err)
	}
	origin := e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation]
	spec, err := catalog.ParseLocationRef(origin)
	if err != nil {
		return catalog.RegisteredLocation{}, catalog.Errorf(catalog.ENOTFOUND, "found no origin annotation for ref %s", ref)
	}
	return l.BySpec(ctx, spec)
}

// BySpec returns the configured location spec names, else the registered
// one (one indexed lookup).
func (l *locationService) BySpec(ctx context.Context, spec catalog.LocationSpec) (catalog.RegisteredLocation, error) {
	for _, c := range l.configured {
		if c.Spec() == spec {
			return c, nil
		}
	}
	if l.store != nil {
		if loc, err := l.store.LocationBySpec(ctx, spec); err == nil {
			return loc, nil
		}
	}
	return catalog.RegisteredLocation{}, catalog.Errorf(catalog.ENOTFOUND, "Found no location with type %s and target %s", spec.Type, spec.Target)
}

// checkRegistrable refuses what cannot be registered, before anything is
// read: a type other than url, a URL backend.reading.allow does not permit,
// a location that is configured or registered already.
func (l *locationService) checkRegistrable(ctx context.Context, spec catalog.LocationSpec) (exists bool, err error) {
	if !slices.Contains(RegisteredLocationTypes, spec.Type) {
		b, _ := json.Marshal(RegisteredLocationTypes)
		return false, catalog.Errorf(catalog.EINVALID, "Registered locations must be of an allowed type %s", b)
	}
	if !strings.HasPrefix(spec.Target, "http://") && !strings.HasPrefix(spec.Target, "https://") {
		return false, catalog.Errorf(catalog.EINVALID, "target %q must be an absolute http(s) URL", spec.Target)
	}
	if !l.s.URLReader.Allowed(spec.Target) {
		return false, catalog.Errorf(catalog.EINVALID,
			"reading %s is not allowed by backend.reading.allow; an operator must add its host there first", spec.Target)
	}
	all, err := l.List(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(all, func(r catalog.RegisteredLocation) bool { return r.Spec() == spec }), nil
}

// Register records and reads a location, or with dryRun only reads and
// processes it.
func (l *locationService) Register(ctx context.Context, spec catalog.LocationSpec, opts catalog.RegisterOptions) (catalog.Registration, error) {
	if l.store == nil {
		return catalog.Registration{}, catalog.Errorf(catalog.EINVALID, "this store cannot keep registered locations")
	}
	exists, err := l.checkRegistrable(ctx, spec)
	if err != nil {
		return catalog.Registration{}, err
	}
	if opts.DryRun {
		return l.dryRun(ctx, spec, exists)
	}
	if exists {
		return l.conflict(ctx, spec, opts.OnConflict)
	}
	row, err := l.store.CreateLocation(ctx, spec)
	if err != nil {
		return catalog.Registration{}, err
	}
	if err := l.activate(ctx, row); err != nil {
		return catalog.Registration{}, err
	}
	l.s.Logger.Info("location registered", "location", spec.String(), "id", row.ID)
	return catalog.Registration{Location: row}, nil
}

// activate gives a registered location its Location entity at once
// (whatever its first read finds), schedules it and starts that read.
func (l *locationService) activate(ctx context.Context, row catalog.RegisteredLocation) error {
	spec := row.Spec()
	conn := l.connect(spec.String())
	if _, err := conn.ApplyMutation(ctx, catalog.Mutation{Type: catalog.Delta, Entities: []catalog.DeferredEntity{GeneratedLocation(spec)}}); err != nil {
		return fmt.Errorf("register %s: %w", spec, err)
	}
	if err := l.schedule1(row); err != nil {
		return fmt.Errorf("register %s: %w", spec, err)
	}
	if _, err := l.s.Scheduler.Trigger(ctx, spec.String()); err != nil {
		l.s.Logger.Warn("could not start reading a registered location", "location", spec.String(), "err", err)
	}
	return nil
}

// release stops reading a location and empties its bucket: its Location
// entity goes, what it emitted becomes orphans (or goes, per
// catalog.orphanStrategy).
func (l *locationService) release(ctx context.Context, row catalog.RegisteredLocation) error {
	spec := row.Spec()
	l.mu.Lock()
	delete(l.active, row.ID)
	l.mu.Unlock()
	l.s.Scheduler.Remove(spec.String())
	conn := l.connect(spec.String())
	gen := GeneratedLocation(spec)
	if _, err := conn.ApplyMutation(ctx, catalog.Mutation{Type: catalog.Delta, Removed: []catalog.Ref{gen.Entity.Ref()}}); err != nil {
		return fmt.Errorf("unregister %s: %w", spec, err)
	}
	if _, err := conn.ApplyMutation(ctx, catalog.Mutation{Type: catalog.Full, Orphans: true}); err != nil {
		return fmt.Errorf("unregister %s: %w", spec, err)
	}
	return nil
}

// conflict answers the registration of an existing location: a 409, or
// with onConflict=refresh a read of it and its answer.
func (l *locationService) conflict(ctx context.Context, spec catalog.LocationSpec, onConflict string) (catalog.Registration, error) {
	if onConflict != "refresh" {
		return catalog.Registration{}, catalog.Errorf(catalog.ECONFLICT, "Location %s already exists", spec)
	}
	all, err := l.List(ctx)
	if err != nil {
		return catalog.Registration{}, err
	}
	i := slices.IndexFunc(all, func(r catalog.RegisteredLocation) bool { return r.Spec() == spec })
	if _, err := l.s.Scheduler.Refresh(ctx, spec.String()); err != nil && !isUnknownProvider(err) {
		return catalog.Registration{}, err
	}
	return catalog.Registration{Location: all[i]}, nil
}

// Update moves a registered location to another type and target: the old
// target's entities become orphans, the new one is read.
func (l *locationService) Update(ctx context.Context, id string, spec catalog.LocationSpec) (catalog.RegisteredLocation, error) {
	for _, c := range l.configured {
		if c.ID == id {
			return catalog.RegisteredLocation{}, catalog.Errorf(catalog.EINVALID, "location %s is configured in catalog.locations; change it in the configuration instead", id)
		}
	}
	if l.store == nil {
		return catalog.RegisteredLocation{}, catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", id)
	}
	old, err := l.store.LocationByID(ctx, id)
	if err != nil {
		return old, err
	}
	if old.Spec() == spec {
		return old, nil
	}
	exists, err := l.checkRegistrable(ctx, spec)
	if err != nil {
		return old, err
	}
	if exists {
		return old, catalog.Errorf(catalog.ECONFLICT, "Location %s already exists", spec)
	}
	row, err := l.store.UpdateLocation(ctx, id, spec)
	if err != nil {
		return old, err
	}
	if err := l.release(ctx, old); err != nil {
		return row, err
	}
	if err := l.activate(ctx, row); err != nil {
		return row, err
	}
	l.s.Logger.Info("location moved", "id", id, "from", old.Spec().String(), "to", spec.String())
	return row, nil
}

// dryRun reads and processes what registering spec would store.
func (l *locationService) dryRun(ctx context.Context, spec catalog.LocationSpec, exists bool) (catalog.Registration, error) {
	reg := catalog.Registration{Location: catalog.RegisteredLocation{ID: spec.String(), Type: spec.Type, Target: spec.Target}, Exists: &exists}
	reads := catalog.FollowLocations(ctx, l.targets, []catalog.LocationSpec{spec}, spec.String())
	deferred := []catalog.DeferredEntity{GeneratedLocation(spec)}
	for _, r := range reads {
		switch {
		case r.Missing && r.Location == spec:
			reg.Problems = append(reg.Problems, catalog.Problem{File: spec.String(), Message: spec.Target + " does not exist"})
		case r.Failed != nil:
			reg.Problems = append(reg.Problems, r.Failed.Problems...)
		}
		deferred = append(deferred, r.Entities...)
	}
	for _, d := range deferred {
		pe := l.s.Catalog.Process(ctx, spec.String(), d)
		reg.Problems = append(reg.Problems, pe.Problems...)
		b, err := json.Marshal(pe.Entity)
		if err != nil {
			return reg, fmt.Errorf("encode %s: %w", pe.Entity.Ref(), err)
		}
		reg.Entities = append(reg.Entities, b)
	}
	return reg, nil
}

// Unregister removes a registered location: its Location entity goes, and
// what it emitted becomes orphans (or goes, per catalog.orphanStrategy).
func (l *locationService) Unregister(ctx context.Context, id string) error {
	for _, c := range l.configured {
		if c.ID == id {
			return catalog.Errorf(catalog.EINVALID, "location %s is configured in catalog.locations; remove it from the configuration instead", id)
		}
	}
	if l.store == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", id)
	}
	row, err := l.store.DeleteLocation(ctx, id)
	if err != nil {
		return err
	}
	if err := l.release(ctx, row); err != nil {
		return err
	}
	l.s.Logger.Info("location unregistered", "location", row.Spec().String(), "id", id)
	return nil
}

// Refresh reads again the location an entity came from: its file (file
// locations), or a run of the provider that owns it.
func (l *locationService) Refresh(ctx context.Context, ref catalog.Ref) error {
	se, err := l.s.Store.ByRef(ctx, ref)
	if err != nil {
		return catalog.Errorf(catalog.ENOTFOUND, "No entity named %s found", ref)
	}
	if r := l.refreshers[se.Provider]; r != nil {
		_, err := r.Refresh(ctx, se.LocationKey)
		return err
	}
	if se.Provider == BootstrapProvider {
		for _, r := range l.refreshers {
			if ok, err := r.Refresh(ctx, se.LocationKey); ok || err != nil {
				return err
			}
		}
		_, err := l.s.Scheduler.Refresh(ctx, se.LocationKey)
		if err != nil && !isUnknownProvider(err) {
			return err
		}
		return nil
	}
	_, err = l.s.Scheduler.Refresh(ctx, se.Provider)
	if isUnknownProvider(err) && l.store != nil {
		// Registered through another replica since this one last looked.
		if err := l.sync(ctx); err != nil {
			return err
		}
		_, err = l.s.Scheduler.Refresh(ctx, se.Provider)
	}
	if err != nil && !isUnknownProvider(err) {
		return err
	}
	return nil
}

func isUnknownProvider(err error) bool { return errors.Is(err, providers.ErrUnknownProvider) }

// registeredProvider reads one registered location on the schedule.
type registeredProvider struct {
	loc catalog.RegisteredLocation
	svc *locationService
}

var _ providers.ScheduledProvider = (*registeredProvider)(nil)

func (p *registeredProvider) Name() string { return p.loc.Spec().String() }

func (p *registeredProvider) Connect(context.Context, providers.Connection) error { return nil }

func (p *registeredProvider) Schedule() providers.Schedule { return p.svc.schedule }

// Run reads the location and everything it names, with its Location
// entity first. A location unregistered meanwhile (through another
// replica) applies nothing.
func (p *registeredProvider) Run(ctx context.Context) (catalog.Mutation, error) {
	row, err := p.svc.store.LocationByID(ctx, p.loc.ID)
	if err != nil {
		return catalog.Mutation{}, fmt.Errorf("location %s: %w", p.Name(), err)
	}
	if row.Spec() != p.loc.Spec() {
		return catalog.Mutation{}, fmt.Errorf("location %s now reads %s", p.loc.ID, row.Spec())
	}
	spec := p.loc.Spec()
	m, err := FollowMutation(ctx, p.svc.targets, spec, spec.String())
	if err != nil {
		return catalog.Mutation{}, err
	}
	m.Entities = append([]catalog.DeferredEntity{GeneratedLocation(spec)}, m.Entities...)
	return m, nil
}
