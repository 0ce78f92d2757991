package apidocs

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	av "github.com/porticohq/portico/views/apidocs"
	"github.com/porticohq/portico/web"
)

// try runs one try-it-out call. The browser sends the operation (in the
// URL), the index of a server and values: the request is built here from
// the definition. Credentials in the form are used for this call and are
// neither stored nor logged.
func (h *Handler) try(c *echo.Context) error {
	d, err := h.tryAPI(c)
	if err != nil {
		return err
	}
	key := c.Param("opKey")
	result := func(status int, r av.ResultView) error {
		if web.IsPartial(c.Request()) {
			return web.Render(c, status, av.TryResult(r))
		}
		v := h.baseView(d)
		h.fillSummary(c, d, &v, key)
		if v.Chunk.Open != nil && v.Chunk.Open.Op != nil {
			v.Chunk.Open.Result = &r
			v.Chunk.Open.Form = formState(c)
		}
		return h.renderDefinition(c, d, v, av.Definition)
	}
	if !h.proxy.policy.Enabled || !d.isOpenAPI() {
		return result(http.StatusForbidden, av.ResultView{Error: "Try it out is switched off on this portal."})
	}
	if !h.proxy.limiter.allow(h.opts.UserKey(c)) {
		return result(http.StatusTooManyRequests, av.ResultView{Error: "Too many calls: wait a minute and try again."})
	}
	call, redacted, status, msg := h.prepareCall(c, d, key)
	if msg != "" {
		return result(status, av.ResultView{Error: msg})
	}
	res := h.proxy.Send(c.Request().Context(), call)
	h.log.Info("try-it-out call", "entity", d.ref.String(), "operation", key, "host", call.URL.Host,
		"status", res.Status, "refused", res.Refused, "duration", res.Duration)
	view := resultView(key, res)
	if redacted != nil {
		view.Samples = viewSamples(Samples(redacted))
	}
	return result(http.StatusOK, view)
}

// prepareCall builds the call the form describes and its copy with
// credentials redacted (for the samples; nil if it cannot be built), or
// says why not with a status and a message for the person.
func (h *Handler) prepareCall(c *echo.Context, d *apiDef, key string) (call, redacted *Call, status int, msg string) {
	sum, err := h.cache.Summary(d.hash, d.data)
	if err != nil {
		return nil, nil, http.StatusOK, "The definition cannot be read: " + err.Error()
	}
	def, err := h.cache.Definition(c.Request().Context(), d.defKey, d.data, h.reader(d))
	if err != nil {
		return nil, nil, http.StatusOK, "The definition is not ready: " + err.Error()
	}
	op, ok := def.Operation(key)
	if !ok {
		return nil, nil, http.StatusNotFound, "This definition has no operation " + strconv.Quote(key) + "."
	}
	targets := Targets(sum, d.entity.Metadata.Links, h.opts.BaseURL)
	in, err := tryInput(c, h.proxy.policy.MaxRequestBytes)
	if err != nil {
		return nil, nil, http.StatusOK, err.Error()
	}
	call, err = Build(targets, op, sum.SecuritySchemes, in, h.proxy.policy.MaxRequestBytes, false)
	if err != nil {
		return nil, nil, http.StatusOK, err.Error()
	}
	if r, err := Build(targets, op, sum.SecuritySchemes, in, h.proxy.policy.MaxRequestBytes, true); err == nil {
		redacted = r
	}
	return call, redacted, http.StatusOK, ""
}

// samples answers the code samples for the form as it stands, without
// calling anything: the try-it form asks for them as the person types, so
// the curl command always matches the fields.
func (h *Handler) samples(c *echo.Context) error {
	d, err := h.tryAPI(c)
	if err != nil {
		return err
	}
	if !h.proxy.policy.Enabled || !d.isOpenAPI() {
		return web.Render(c, http.StatusForbidden, av.SampleList(c.Param("opKey"), nil))
	}
	_, redacted, status, msg := h.prepareCall(c, d, c.Param("opKey"))
	if msg != "" || redacted == nil {
		return web.Render(c, max(status, http.StatusOK), av.SampleNote(cmp.Or(msg, "The samples cannot be built from these fields.")))
	}
	return web.Render(c, http.StatusOK, av.SampleList(c.Param("opKey"), viewSamples(Samples(redacted))))
}

// tryInput reads the form. Field names: server, sv.<server>.<var>,
// p.<in>.<name>, body, contentType, cred.<scheme>[.user|.password].
func tryInput(c *echo.Context, maxBody int64) (TryInput, error) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBody+64<<10)
	if err := r.ParseForm(); err != nil {
		return TryInput{}, badInput("the form could not be read (is the body larger than %d bytes?)", maxBody)
	}
	in := TryInput{
		ServerVars:  map[string]string{},
		Params:      map[string]string{},
		Credentials: map[string]Credential{},
		Body:        r.PostForm.Get("body"),
		ContentType: r.PostForm.Get("contentType"),
	}
	in.Server, _ = strconv.Atoi(r.PostForm.Get("server"))
	prefix := "sv." + strconv.Itoa(in.Server) + "."
	for k, vs := range r.PostForm {
		if len(vs) == 0 {
			continue
		}
		v := vs[0]
		switch {
		case strings.HasPrefix(k, prefix):
			in.ServerVars[strings.TrimPrefix(k, prefix)] = v
		case strings.HasPrefix(k, "p."):
			if where, name, ok := strings.Cut(strings.TrimPrefix(k, "p."), "."); ok {
				in.Params[where+":"+name] = v
			}
		case strings.HasPrefix(k, "cred."):
			readCredential(in.Credentials, strings.TrimPrefix(k, "cred."), v)
		}
	}
	return in, nil
}

func readCredential(m map[string]Credential, field, v string) {
	name, part := field, ""
	if i := strings.LastIndex(field, "."); i >= 0 && (field[i+1:] == "user" || field[i+1:] == "password") {
		name, part = field[:i], field[i+1:]
	}
	c := m[name]
	switch part {
	case "user":
		c.User = v
	case "password":
		c.Password = v
	default:
		c.Value = v
	}
	m[name] = c
}

// formState echoes the form (without credentials) for the no-JS page.
func formState(c *echo.Context) av.FormState {
	f := av.FormState{Params: map[string]string{}}
	pf := c.Request().PostForm
	f.Server, _ = strconv.Atoi(pf.Get("server"))
	f.Body, f.ContentType = pf.Get("body"), pf.Get("contentType")
	for k, vs := range pf {
		if where, name, ok := strings.Cut(strings.TrimPrefix(k, "p."), "."); ok && strings.HasPrefix(k, "p.") && len(vs) > 0 {
			f.Params[where+":"+name] = vs[0]
		}
	}
	return f
}

// tryAPI is the API a try-it request is about, once RequireUser (when set)
// lets the caller try it.
func (h *Handler) tryAPI(c *echo.Context) (*apiDef, error) {
	if h.opts.RequireUser != nil {
		if err := h.opts.RequireUser(c); err != nil {
			return nil, err
		}
	}
	return h.loadAPI(c)
}
