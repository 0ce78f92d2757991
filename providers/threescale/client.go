package threescale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxBody bounds one Account Management API response (1,000s of services
// or docs fit well within it).
const maxBody = 64 << 20

// client calls a tenant's Account Management API. The access token travels
// only in the request's query; every error names the URL without it.
type client struct {
	http    *http.Client
	baseURL string
	token   string
}

// getJSON GETs path?query and decodes the JSON body into out.
func (c *client) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	shown := c.baseURL + path
	if len(query) > 0 {
		shown += "?" + query.Encode()
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("access_token", c.token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", shown, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message would carry the token
		}
		return fmt.Errorf("GET %s: %w", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("GET %s: 3scale answered %s: %s", shown, resp.Status, redactBody(string(snippet)))
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxBody))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("GET %s: read response: %w", shown, err)
	}
	return nil
}

func redactBody(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// service is one entry of services.json.
type service struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	SystemName  string `json:"system_name"`
	Description string `json:"description"`
	State       string `json:"state"`
}

type servicesPage struct {
	Services []struct {
		Service service `json:"service"`
	} `json:"services"`
	Metadata *struct {
		PerPage      int `json:"per_page"`
		TotalEntries int `json:"total_entries"`
		TotalPages   int `json:"total_pages"`
		CurrentPage  int `json:"current_page"`
	} `json:"metadata"`
}

// apiDoc is one entry of active_docs.json; Body is the spec as a string.
type apiDoc struct {
	ID          int64  `json:"id"`
	SystemName  string `json:"system_name"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Published   bool   `json:"published"`
	Body        string `json:"body"`
	ServiceID   *int64 `json:"service_id"`
}

type activeDocs struct {
	APIDocs []struct {
		APIDoc apiDoc `json:"api_doc"`
	} `json:"api_docs"`
}

// proxy is the part of proxy.json we use; secret_token is deliberately absent.
type proxy struct {
	Endpoint        string `json:"endpoint"`
	SandboxEndpoint string `json:"sandbox_endpoint"`
}

// maxPages stops a listing whose metadata never ends.
const maxPages = 1000

// services lists every service, page by page (page from 1, per_page 500),
// until metadata.total_pages; without metadata the first page is all.
func (c *client) services(ctx context.Context, progress func(page, pages int)) ([]service, error) {
	var all []service
	seen := map[int64]bool{}
	for page := 1; page <= maxPages; page++ {
		var p servicesPage
		q := url.Values{"page": {fmt.Sprint(page)}, "per_page": {"500"}}
		if err := c.getJSON(ctx, "/admin/api/services.json", q, &p); err != nil {
			return nil, err
		}
		for _, s := range p.Services {
			if !seen[s.Service.ID] {
				seen[s.Service.ID] = true
				all = append(all, s.Service)
			}
		}
		if p.Metadata == nil {
			return all, nil
		}
		progress(page, p.Metadata.TotalPages)
		if page >= p.Metadata.TotalPages {
			if p.Metadata.TotalEntries > 0 && len(all) != p.Metadata.TotalEntries {
				return nil, fmt.Errorf("services listing incomplete: got %d of %d services", len(all), p.Metadata.TotalEntries)
			}
			return all, nil
		}
		if len(p.Services) == 0 {
			return nil, fmt.Errorf("services page %d of %d is empty", page, p.Metadata.TotalPages)
		}
	}
	return nil, fmt.Errorf("services listing did not end after %d pages", maxPages)
}

func (c *client) activeDocs(ctx context.Context) ([]apiDoc, error) {
	var d activeDocs
	if err := c.getJSON(ctx, "/admin/api/active_docs.json", nil, &d); err != nil {
		return nil, err
	}
	out := make([]apiDoc, len(d.APIDocs))
	for i, a := range d.APIDocs {
		out[i] = a.APIDoc
	}
	return out, nil
}

func (c *client) proxy(ctx context.Context, serviceID int64) (proxy, error) {
	var p struct {
		Proxy proxy `json:"proxy"`
	}
	err := c.getJSON(ctx, fmt.Sprintf("/admin/api/services/%d/proxy.json", serviceID), nil, &p)
	return p.Proxy, err
}
