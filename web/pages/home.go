package pages

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/views"
)

// recentLimit is how many recently changed entities the home page lists.
const recentLimit = 10

// home renders the landing page.
func (h *Handler) home(c *echo.Context) error {
	ctx := c.Request().Context()
	facets, err := h.store.Facets(ctx, []string{"kind"}, nil)
	if err != nil {
		return fmt.Errorf("count entities by kind: %w", err)
	}
	recent, err := h.store.Recent(ctx, recentLimit)
	if err != nil {
		return fmt.Errorf("list recent entities: %w", err)
	}
	problems, err := h.store.SourceProblems(ctx)
	if err != nil {
		return fmt.Errorf("list source problems: %w", err)
	}
	m := views.HomePage{Recent: h.summarizeAll(recent)}
	for _, fc := range facets["kind"] {
		m.Total += fc.Count
		m.Kinds = append(m.Kinds, views.KindCount{
			Kind: fc.Value, Count: fc.Count, URL: "/catalog?kind=" + url.QueryEscape(lowerASCII(fc.Value)),
		})
	}
	for _, sp := range problems {
		m.SourceProblems = append(m.SourceProblems, views.SourceProblemView{
			Provider: sp.Provider, Location: sp.Location, Problems: problemViews(sp.Problems), UpdatedAt: sp.UpdatedAt,
		})
	}
	if hist := h.apiChanges(); hist != nil && h.ownedBy != nil {
		if owned, ok := h.ownedBy(c); ok {
			m.ShowConsumed = true
			if m.ConsumedChanged, err = h.consumedChanged(ctx, hist, owned); err != nil {
				return err
			}
		}
	}
	return render(c, http.StatusOK, views.Home(h.Page(c, "Home", views.NavHome), m), nil)
}
