package catalogapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/web"
)

// removeEntityByUID answers DELETE /entities/by-uid/:uid with 204. As in
// Backstage 4.0 an unknown uid is not an error (there is nothing left to
// remove), so a client's retry of a removal that went through succeeds.
func (s *API) removeEntityByUID(c *echo.Context) error {
	if err := s.requireWriter(c); err != nil {
		return err
	}
	uid := c.Param("uid")
	_, err := s.Catalog.RemoveEntity(c.Request().Context(), uid)
	if err != nil && catalog.ErrorCode(err) != catalog.ENOTFOUND {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// requireWriter runs Options.RequireWriter, when set.
func (s *API) requireWriter(c *echo.Context) error {
	if s.writeGuard == nil {
		return nil
	}
	return s.writeGuard(c)
}

// serializedError is an error as @backstage/errors' serializeError writes
// it: what POST /validate-entity lists under "errors".
type serializedError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// validationFailed answers 400 {"errors": [...]}, the shape Backstage's
// validate-entity uses for every refusal, bad requests included.
func validationFailed(c *echo.Context, errs ...serializedError) error {
	body, err := json.Marshal(map[string][]serializedError{"errors": errs})
	if err != nil {
		return fmt.Errorf("encode validation errors: %w", err)
	}
	return web.WriteBody(c, http.StatusBadRequest, mimeJSON, body)
}

// validateEntity answers POST /validate-entity {entity, location}: 200 with
// no body when the entity would be accepted, else 400 with the problems
// that ingest processing (placeholders read relative to location,
// validation, processors) reports, each as an InputError.
func (s *API) validateEntity(c *echo.Context) error {
	raw, location, bad := readValidateRequest(c)
	if bad != nil {
		return validationFailed(c, *bad)
	}
	target := strings.TrimSpace(location[strings.Index(location, ":")+1:])
	entity, problems := catalog.EntityFromObject(raw, catalog.Source{Location: location})
	if len(problems) == 0 {
		src := catalog.Source{Location: location, OriginLocation: location}
		if s.urls != nil {
			src.Reader = s.urls.ForURL(target)
		}
		pe := s.Catalog.Process(c.Request().Context(), "validate-entity", catalog.DeferredEntity{Entity: *entity, Source: src})
		problems = pe.Problems
	}
	if len(problems) == 0 {
		return c.NoContent(http.StatusOK)
	}
	errs := make([]serializedError, len(problems))
	for i, p := range problems {
		p.File, p.Document = "", 0
		errs[i] = serializedError{Name: "InputError", Message: p.Error()}
	}
	return validationFailed(c, errs...)
}

// readValidateRequest checks the request as Backstage's router does before
// processing: a JSON object body with a location string, an entity
// envelope, and a url: location ref. A malformed JSON body is an ordinary
// API error, as Express's body parser answers it.
func readValidateRequest(c *echo.Context) (entity any, location string, bad *serializedError) {
	inputErr := func(msg string) *serializedError { return &serializedError{Name: "InputError", Message: msg} }
	ct := c.Request().Header.Get(echo.HeaderContentType)
	switch {
	case ct == "":
		return nil, "", inputErr("Content-Type missing")
	case !isJSONContentType(ct):
		return nil, "", inputErr("Illegal Content-Type")
	}
	var body any
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 4<<20))
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		return nil, "", inputErr("Malformed request body: " + err.Error())
	}
	obj, ok := body.(map[string]any)
	switch {
	case body == nil:
		return nil, "", inputErr("Missing request body")
	case !ok:
		return nil, "", inputErr("Expected body to be a JSON object")
	case len(obj) == 0:
		return nil, "", inputErr("Empty request body")
	}
	location, ok = obj["location"].(string)
	if !ok {
		return nil, "", inputErr("Malformed request: location must be a string")
	}
	if msg := checkEnvelope(obj["entity"]); msg != "" {
		return nil, "", &serializedError{Name: "TypeError", Message: msg}
	}
	if msg := checkURLLocationRef(location); msg != "" {
		return nil, "", &serializedError{Name: "TypeError", Message: msg}
	}
	return obj["entity"], location, nil
}

func isJSONContentType(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	return strings.TrimSpace(mt) == "application/json"
}

// checkURLLocationRef applies @backstage/catalog-model's parseLocationRef
// and the router's "url only" rule, with their messages.
func checkURLLocationRef(ref string) string {
	typ, target, found := strings.Cut(ref, ":")
	typ, target = strings.TrimSpace(typ), strings.TrimSpace(target)
	switch {
	case !found || typ == "" || target == "":
		return fmt.Sprintf("Unable to parse location ref '%s', expected '<type>:<target>', e.g. 'url:https://host/path'", ref)
	case typ == "http" || typ == "https":
		return fmt.Sprintf("Invalid location ref '%s', please prefix it with 'url:', e.g. 'url:%s'", ref, ref)
	case isScriptURL(target):
		return fmt.Sprintf("Invalid location ref '%s', target is a javascript: URL", ref)
	case typ != "url":
		return fmt.Sprintf("Invalid location ref %s, only 'url:<target>' is supported, e.g. url:https://host/path", ref)
	}
	return ""
}

// isScriptURL reports a javascript: URL as browsers read one (leading
// control characters and spaces ignored, tabs and newlines inside ignored).
func isScriptURL(target string) bool {
	t := strings.TrimLeft(target, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	t = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(t)
	return len(t) >= len("javascript:") && strings.EqualFold(t[:len("javascript:")], "javascript:")
}
