package threescale

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "tok-SECRET-123456"

// fake3scale serves the shapes of 3scale's Account Management API, as 3scale
// describes it in catalog/openapi/testdata/threescale_account_management.json.
type fake3scale struct {
	mu       sync.Mutex
	services []map[string]any
	docs     []map[string]any
	fault    string // "", "500", "401", "timeout", "reset", "empty", "truncated"
	badProxy int    // a service whose proxy.json answers 500
	calls    map[string]int
	srv      *httptest.Server
}

func newFake(t *testing.T, n int) *fake3scale {
	f := &fake3scale{calls: map[string]int{}}
	for i := 1; i <= n; i++ {
		f.services = append(f.services, map[string]any{"id": i, "name": fmt.Sprintf("Service %d", i),
			"system_name": fmt.Sprintf("svc-%d", i), "description": fmt.Sprintf("desc %d", i), "state": "incomplete"})
		f.docs = append(f.docs, map[string]any{"id": 1000 + i, "system_name": fmt.Sprintf("doc-%d", i), "name": "Doc",
			"published": true, "service_id": i, "body": oas3(fmt.Sprintf("/things%d", i))})
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func oas3(path string) string {
	return fmt.Sprintf(`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{%q:{"get":{"operationId":"list","responses":{"200":{"description":"ok"}}}}}}`, path)
}

const swagger2 = `{"swagger":"2.0","info":{"title":"legacy","version":"1"},"host":"api.example.com","basePath":"/v1","schemes":["https"],
"paths":{"/pets":{"get":{"operationId":"listPets","produces":["application/json"],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Pet"}}}}}},
"definitions":{"Pet":{"type":"object","properties":{"name":{"type":"string"}}}}}`

func (f *fake3scale) setFault(fault string) {
	f.mu.Lock()
	f.fault = fault
	f.mu.Unlock()
}

func (f *fake3scale) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := f.fault
	f.calls[r.URL.Path]++
	f.mu.Unlock()
	if r.URL.Query().Get("access_token") != testToken || fault == "401" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"Access denied"}`))
		return
	}
	switch fault {
	case "500":
		http.Error(w, "internal", http.StatusInternalServerError)
		return
	case "timeout":
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	case "reset":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/admin/api/services.json":
		f.servicesPage(w, r, fault)
	case r.URL.Path == "/admin/api/active_docs.json":
		var docs []map[string]any
		f.mu.Lock()
		for _, d := range f.docs {
			docs = append(docs, map[string]any{"api_doc": d})
		}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"api_docs": docs})
	case strings.HasPrefix(r.URL.Path, "/admin/api/services/") && strings.HasSuffix(r.URL.Path, "/proxy.json"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/admin/api/services/"), "/proxy.json")
		f.mu.Lock()
		bad := f.badProxy
		f.mu.Unlock()
		if id == fmt.Sprint(bad) {
			http.Error(w, "internal", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"proxy": map[string]any{
			"endpoint":         "https://prod-" + id + ".example.com:443",
			"sandbox_endpoint": "https://staging-" + id + ".example.com:443",
			"secret_token":     "PROXY-SECRET-" + id,
		}})
	default:
		http.NotFound(w, r)
	}
}

func (f *fake3scale) servicesPage(w http.ResponseWriter, r *http.Request, fault string) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if page < 1 {
		page = 1 // 3scale treats page 0 as 1
	}
	if per < 1 || per > 500 {
		per = 500
	}
	f.mu.Lock()
	all := f.services
	f.mu.Unlock()
	if fault == "empty" {
		_, _ = w.Write([]byte(`{"services":[]}`))
		return
	}
	pages := (len(all) + per - 1) / per
	lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
	var items []map[string]any
	for _, s := range all[lo:hi] {
		items = append(items, map[string]any{"service": s})
	}
	body := map[string]any{"services": items}
	if len(all) > per {
		body["metadata"] = map[string]any{"per_page": per, "total_entries": len(all), "total_pages": pages, "current_page": page}
	}
	data, _ := json.Marshal(body)
	if fault == "truncated" && page == 2 {
		data = data[:len(data)/2]
	}
	_, _ = w.Write(data)
}
