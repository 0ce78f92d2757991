package pages

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/views"
)

const (
	// consumedWindow is how far back home's "APIs you consume changed" looks.
	consumedWindow = 30 * 24 * time.Hour
	// maxOwnedConsumers bounds the components read for it.
	maxOwnedConsumers = 500
)

// consumedChanged lists the APIs consumed by components the signed-in
// person's groups own (owned, the "owned by me" condition) that changed
// within consumedWindow: breaking changes first, then the newest. Two
// queries: the components, then the APIs' latest changes.
func (h *Handler) consumedChanged(ctx context.Context, hist APIChanges, owned catalog.Condition) ([]views.ChangedAPI, error) {
	comps, err := h.store.List(ctx, catalog.Filter{{
		{Key: "kind", Values: []string{"component"}},
		owned,
		{Key: "relations." + strings.ToLower(catalog.RelationConsumesAPI)},
	}}, 0, maxOwnedConsumers)
	if err != nil {
		return nil, fmt.Errorf("list the components you own: %w", err)
	}
	consumers := map[string][]views.Link{} // API key → components
	apiRefs := map[string]catalog.Ref{}
	var keys []string
	for _, se := range comps {
		e, err := se.Decode()
		if err != nil {
			continue
		}
		comp := views.Link{Label: displayRef(e.Ref(), "component", catalog.DefaultNamespace), URL: entityURL(e.Ref())}
		for _, r := range e.Relations {
			if r.Type != catalog.RelationConsumesAPI {
				continue
			}
			ref, err := catalog.ParseRef(r.TargetRef, "API", catalog.DefaultNamespace)
			if err != nil {
				continue
			}
			k := ref.Key()
			if _, seen := apiRefs[k]; !seen {
				apiRefs[k] = ref
				keys = append(keys, k)
			}
			consumers[k] = append(consumers[k], comp)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	now := h.now()
	changes, err := hist.LastChanges(ctx, apihistory.ChangeQuery{Keys: keys, Since: now.Add(-consumedWindow)})
	if err != nil {
		return nil, fmt.Errorf("read api changes: %w", err)
	}
	// Newest first already; breaking ones move ahead, keeping that order.
	slices.SortStableFunc(changes, func(a, b apihistory.LastChange) int {
		return cmp.Compare(boolRank(b.Breaking()), boolRank(a.Breaking()))
	})
	out := make([]views.ChangedAPI, 0, len(changes))
	for _, c := range changes {
		ref := apiRefs[c.EntityKey]
		out = append(out, views.ChangedAPI{
			API:       views.Link{Label: displayRef(ref, "api", catalog.DefaultNamespace), URL: entityURL(ref)},
			Change:    *changeBadge(ref, c, now),
			Consumers: consumers[c.EntityKey],
		})
	}
	return out, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
