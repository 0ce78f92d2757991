package apidocs

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"
)

// DemoAPIPrefix is where demo mode serves the Petstore; the demo catalog's
// Petstore definition points its server here.
const DemoAPIPrefix = "/demo-api/petstore/v1"

// pet is one pet of the demo Petstore.
type pet struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Tag  string `json:"tag,omitempty"`
}

// petstore is the demo API: a few pets in memory, capped, so try-it-out
// works out of the box without anything outside the binary.
type petstore struct {
	mu   sync.Mutex
	next int64
	pets []pet
}

const maxDemoPets = 100

func registerPetstore(e *echo.Echo) {
	s := &petstore{next: 4, pets: []pet{{1, "Rex", "dog"}, {2, "Tom", "cat"}, {3, "Nemo", "fish"}}}
	a := newDemoAuth()
	e.GET(DemoAPIPrefix+"/pets", s.list)
	e.POST(DemoAPIPrefix+"/pets", a.require("pets:write", s.create))
	e.GET(DemoAPIPrefix+"/pets/:petId", s.get)
	e.DELETE(DemoAPIPrefix+"/pets/:petId", a.require("pets:write", s.remove))
	e.POST(DemoAPIPrefix+demoTokenPath, a.token)
}

func demoError(c *echo.Context, status int, msg string) error {
	return c.JSON(status, map[string]any{"code": status, "message": msg})
}

func (s *petstore) list(c *echo.Context) error {
	limit := maxDemoPets
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return demoError(c, http.StatusBadRequest, "limit must be a positive integer")
		}
		limit = min(n, maxDemoPets)
	}
	s.mu.Lock()
	out := append([]pet(nil), s.pets[:min(limit, len(s.pets))]...)
	s.mu.Unlock()
	return c.JSON(http.StatusOK, out)
}

func (s *petstore) get(c *echo.Context) error {
	id, err := strconv.ParseInt(c.Param("petId"), 10, 64)
	if err != nil {
		return demoError(c, http.StatusBadRequest, "petId must be an integer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pets {
		if p.ID == id {
			return c.JSON(http.StatusOK, p)
		}
	}
	return demoError(c, http.StatusNotFound, "no pet "+strconv.FormatInt(id, 10))
}

func (s *petstore) create(c *echo.Context) error {
	var p pet
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 16<<10))
	if err := dec.Decode(&p); err != nil {
		return demoError(c, http.StatusBadRequest, "body must be a JSON pet: "+err.Error())
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 100 || len(p.Tag) > 100 {
		return demoError(c, http.StatusBadRequest, "name is required (at most 100 characters)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pets) >= maxDemoPets {
		return demoError(c, http.StatusConflict, "the demo store is full")
	}
	p.ID = s.next
	s.next++
	s.pets = append(s.pets, p)
	return c.JSON(http.StatusCreated, p)
}

func (s *petstore) remove(c *echo.Context) error {
	id, err := strconv.ParseInt(c.Param("petId"), 10, 64)
	if err != nil {
		return demoError(c, http.StatusBadRequest, "petId must be an integer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.pets {
		if p.ID == id {
			s.pets = append(s.pets[:i], s.pets[i+1:]...)
			return c.NoContent(http.StatusNoContent)
		}
	}
	return demoError(c, http.StatusNotFound, "no pet "+strconv.FormatInt(id, 10))
}
