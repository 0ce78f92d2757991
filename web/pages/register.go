package pages

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// maxTargetLength bounds the URL a person may register.
const maxTargetLength = 2048

const registerTitle = "Register an API"

// registerPage renders /catalog-import: the URL form, prefilled from ?url=.
func (h *Handler) registerPage(c *echo.Context) error {
	p := h.Page(c, registerTitle, views.NavRegister)
	m := h.registerModel(c, p, truncate(strings.TrimSpace(c.QueryParam("url")), maxTargetLength))
	return render(c, http.StatusOK, views.RegisterPage(p, m), nil)
}

// analyzeLocation is Analyze: a dry run of registering the URL. htmx gets
// the preview region, a plain form post the whole page with it.
func (h *Handler) analyzeLocation(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	target := strings.TrimSpace(c.FormValue("url"))
	p := h.Page(c, registerTitle, views.NavRegister)
	m := h.registerModel(c, p, truncate(target, maxTargetLength))
	pv, status, err := h.preview(c.Request().Context(), target, p.CSRFToken)
	if err != nil {
		return err
	}
	pv.CanRegister = pv.CanRegister && m.CanAct
	m.Preview = &pv
	return render(c, status, views.RegisterPage(p, m), views.ImportPreviewRegion(pv))
}

// registerLocation registers the URL and sends the browser to the
// location's page, where its first read shows. A URL that cannot be
// registered comes back to the register page with the reason.
func (h *Handler) registerLocation(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	target := strings.TrimSpace(c.FormValue("url"))
	p := h.Page(c, registerTitle, views.NavRegister)
	m := h.registerModel(c, p, truncate(target, maxTargetLength))
	spec := catalog.LocationSpec{Type: "url", Target: target}
	fail := func(status int, ie *views.ImportError) error {
		pv := views.ImportPreview{URL: target, Location: spec.String(), Error: ie, CSRFToken: p.CSRFToken}
		m.Preview = &pv
		return render(c, status, views.RegisterPage(p, m), views.ImportPreviewRegion(pv))
	}
	if ie := checkTarget(target); ie != nil {
		return fail(http.StatusUnprocessableEntity, ie)
	}
	locs := h.locs()
	if locs == nil {
		return fail(http.StatusServiceUnavailable, unavailable())
	}
	reg, err := locs.Register(c.Request().Context(), spec, catalog.RegisterOptions{})
	if err != nil {
		status, ie := importError(err, spec)
		if ie == nil {
			return fmt.Errorf("register %s: %w", spec, err)
		}
		return fail(status, ie)
	}
	return c.Redirect(http.StatusSeeOther, locationPageURL(reg.Location.Spec()))
}

// registerModel is the register page's form state for this visitor.
func (h *Handler) registerModel(c *echo.Context, p views.Page, target string) views.Register {
	m := views.Register{URL: target, CanAct: h.mayAct(c), CSRFToken: p.CSRFToken}
	if !m.CanAct && h.signIn {
		m.SignInURL = signInURL("/catalog-import")
	}
	if h.locs() == nil {
		m.Unavailable = unavailable().Message
	}
	return m
}

// preview runs the dry run and shapes it. The status is 200 for a preview
// (problems included) and 4xx when the URL cannot be registered at all.
func (h *Handler) preview(ctx context.Context, target, csrf string) (views.ImportPreview, int, error) {
	spec := catalog.LocationSpec{Type: "url", Target: target}
	pv := views.ImportPreview{URL: target, Location: spec.String(), CSRFToken: csrf}
	if ie := checkTarget(target); ie != nil {
		pv.Error = ie
		return pv, http.StatusUnprocessableEntity, nil
	}
	locs := h.locs()
	if locs == nil {
		pv.Error = unavailable()
		return pv, http.StatusServiceUnavailable, nil
	}
	reg, err := locs.Register(ctx, spec, catalog.RegisterOptions{DryRun: true})
	if err != nil {
		status, ie := importError(err, spec)
		if ie == nil {
			return pv, 0, fmt.Errorf("dry run of %s: %w", spec, err)
		}
		pv.Error = ie
		return pv, status, nil
	}
	if reg.Exists != nil && *reg.Exists {
		pv.Error = alreadyRegistered(spec)
		return pv, http.StatusOK, nil
	}
	if err := fillPreview(&pv, reg); err != nil {
		return pv, 0, err
	}
	return pv, http.StatusOK, nil
}

// fillPreview lists the dry run's entities, each with its own problems;
// the problems of no listed entity are the tree's.
func fillPreview(pv *views.ImportPreview, reg catalog.Registration) error {
	index := map[string]int{}
	for _, raw := range reg.Entities {
		var e catalog.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode a dry-run entity: %w", err)
		}
		ref := e.Ref()
		index[strings.ToLower(ref.String())] = len(pv.Entities)
		pv.Entities = append(pv.Entities, views.PreviewEntity{
			Ref: ref.String(), Kind: e.Kind, Title: cmp.Or(e.Metadata.Title, e.Metadata.Name),
			Description: e.Metadata.Description,
			Source:      e.Metadata.Annotations[catalog.AnnotationManagedByLocation],
		})
	}
	for _, p := range reg.Problems {
		if i, ok := index[strings.ToLower(p.Entity)]; ok {
			pv.Entities[i].Problems = append(pv.Entities[i].Problems, problemViews([]catalog.Problem{p})...)
			continue
		}
		pv.Problems = append(pv.Problems, problemViews([]catalog.Problem{p})...)
	}
	for _, e := range pv.Entities {
		if len(e.Problems) > 0 {
			pv.Invalid++
		}
	}
	// The first entity is the Location generated for the URL itself;
	// registering is worth it only when the URL held something.
	pv.CanRegister = len(pv.Entities) > 1
	if !pv.CanRegister {
		pv.Error = nothingToRegister(pv)
	}
	return nil
}

// nothingToRegister says why a URL held no entity, with what the dry run
// found (a 404, a read error, YAML that is not a descriptor).
func nothingToRegister(pv *views.ImportPreview) *views.ImportError {
	var why []string
	for _, p := range pv.Problems {
		why = append(why, p.Message)
	}
	for _, e := range pv.Entities {
		for _, p := range e.Problems {
			why = append(why, p.Message)
		}
	}
	msg := "No entity could be read from " + pv.URL + "."
	if len(why) > 0 {
		msg = strings.Join(why, "; ") + "."
	}
	return &views.ImportError{
		Title:   "Nothing to register at this URL",
		Message: msg + " Check the address: it must point at the YAML file itself (catalog-info.yaml or a Location file), as the raw file.",
	}
}

// checkTarget refuses what is not an absolute http(s) URL, in words.
func checkTarget(target string) *views.ImportError {
	const title = "This is not a URL Portico can read"
	switch {
	case target == "":
		return &views.ImportError{Title: title, Message: "Enter the URL of a catalog-info.yaml, starting with https://."}
	case len(target) > maxTargetLength:
		return &views.ImportError{Title: title, Message: fmt.Sprintf("The URL is longer than %d characters.", maxTargetLength)}
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &views.ImportError{Title: title, Message: "Enter the full URL, starting with https:// (or http://), of the YAML file itself."}
	}
	return nil
}

// importError turns the location service's refusal into words and a
// status; nil for an internal error, which the error page handles.
func importError(err error, spec catalog.LocationSpec) (int, *views.ImportError) {
	var ce *catalog.Error
	if !errors.As(err, &ce) {
		return 0, nil
	}
	switch ce.Code {
	case catalog.ECONFLICT:
		return http.StatusConflict, alreadyRegistered(spec)
	case catalog.EINVALID:
		title := "This URL cannot be registered"
		if strings.Contains(ce.Message, "backend.reading.allow") {
			title = "Portico may not read from this host"
		}
		return http.StatusUnprocessableEntity, &views.ImportError{Title: title, Message: ce.Message}
	case catalog.ENOTFOUND:
		return http.StatusNotFound, &views.ImportError{Title: "Nothing was found", Message: ce.Message}
	}
	return 0, nil
}

func alreadyRegistered(spec catalog.LocationSpec) *views.ImportError {
	return &views.ImportError{
		Title:   "This URL is already registered",
		Message: spec.Target + " is already in the catalog, and is read again on its schedule.",
		Link:    views.Link{Label: "See the location and its entities", URL: locationPageURL(spec)},
	}
}

func unavailable() *views.ImportError {
	return &views.ImportError{
		Title:   "Registration is not available here",
		Message: "This portal runs without the catalog's location service, so URLs cannot be registered. An operator can add the catalog plugin.",
	}
}

// locationPageURL is the page of a location: its read and its entities.
func locationPageURL(spec catalog.LocationSpec) string {
	return "/catalog-import/location?location=" + url.QueryEscape(spec.String())
}

// signInURL is the sign-in page, returning to path afterwards.
func signInURL(path string) string {
	return "/signin?next=" + url.QueryEscape(path)
}
