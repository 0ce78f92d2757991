package apichanges

import (
	"context"
	"fmt"
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// maxConsumers bounds the consumers a diff lists.
const maxConsumers = 200

// consumers lists the components that consume the API (its apiConsumedBy
// relations) with their owners, linked: who a breaking change breaks. Two
// reads: the API, then its consumers.
func consumers(ctx context.Context, store catalog.Store, api catalog.Ref) ([]views.ConsumerView, error) {
	se, err := store.ByRef(ctx, api)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", api, err)
	}
	e, err := se.Decode()
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", api, err)
	}
	var refs []catalog.Ref
	for _, r := range e.Relations {
		if r.Type != catalog.RelationAPIConsumedBy || len(refs) >= maxConsumers {
			continue
		}
		if ref, err := catalog.ParseRef(r.TargetRef, "Component", api.Namespace); err == nil {
			refs = append(refs, ref)
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	found, err := store.ByRefs(ctx, refs, nil)
	if err != nil {
		return nil, fmt.Errorf("read the consumers of %s: %w", api, err)
	}
	out := make([]views.ConsumerView, 0, len(found))
	for i, se := range found {
		c := views.ConsumerView{Component: entityLink(refs[i], "component", api.Namespace)}
		if se != nil {
			if ce, err := se.Decode(); err == nil {
				if owner, _ := ce.Spec["owner"].(string); owner != "" {
					if o, err := catalog.ParseRef(owner, "Group", ce.Ref().Namespace); err == nil {
						c.Owner = entityLink(o, "group", ce.Ref().Namespace)
					} else {
						c.Owner = views.Link{Label: owner}
					}
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// entityLink links ref, written without the default kind and namespace.
func entityLink(ref catalog.Ref, defaultKind, namespace string) views.Link {
	label := ref.Name
	if !strings.EqualFold(ref.Namespace, namespace) {
		label = ref.Namespace + "/" + label
	}
	if !strings.EqualFold(ref.Kind, defaultKind) {
		label = strings.ToLower(ref.Kind) + ":" + label
	}
	return views.Link{Label: label, URL: views.EntityURL(ref.Namespace, ref.Kind, ref.Name)}
}
