package apidiff

import (
	"strconv"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/asyncapi"
)

// AsyncAPI diffs two AsyncAPI definitions (2.x or 3.0) structurally, over
// the model the Definition tab renders: channels and operations added
// (non-breaking) or removed (breaking), an operation's action or channel
// changed (breaking), and each operation's messages: a message removed, or
// a payload or header field removed or retyped, is breaking; a new
// required field is breaking in a message the API's consumers send (3.0
// receive, 2.x publish) and non-breaking in one they receive.
func AsyncAPI(from, to Input) (*Report, error) {
	a, err := parseAsync(from)
	if err != nil {
		return nil, err
	}
	b, err := parseAsync(to)
	if err != nil {
		return nil, err
	}
	var c changes
	chanKey := func(ch asyncapi.Channel) string { return ch.Key }
	walk(a.Channels, b.Channels, chanKey,
		func(ch asyncapi.Channel) {
			c.add("channel "+ch.Key, "asyncapi-channel-removed", Breaking, "removed the channel %s", ch.Key)
		},
		func(ch asyncapi.Channel) {
			c.add("channel "+ch.Key, "asyncapi-channel-added", Info, "added the channel %s", ch.Key)
		},
		func(x, y asyncapi.Channel) {
			if x.Address != y.Address {
				c.add("channel "+x.Key, "asyncapi-channel-address-changed", Breaking, "changed the channel's address from %q to %q", x.Address, y.Address)
			}
		})
	opKey := func(op asyncapi.Operation) string { return op.Key }
	walk(a.Operations, b.Operations, opKey,
		func(op asyncapi.Operation) {
			c.add(opSection(op), "asyncapi-operation-removed", Breaking, "removed the %s operation %s on %s", op.Action, op.Key, op.Channel)
		},
		func(op asyncapi.Operation) {
			c.add(opSection(op), "asyncapi-operation-added", Info, "added the %s operation %s on %s", op.Action, op.Key, op.Channel)
		},
		func(x, y asyncapi.Operation) { diffOperation(&c, x, y) })
	return c.report(a.APIVersion, b.APIVersion), nil
}

func parseAsync(in Input) (*asyncapi.Document, error) {
	d, err := asyncapi.Parse(in.Data)
	if err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "%s: %v", in.Name, err)
	}
	return d, nil
}

func opSection(op asyncapi.Operation) string { return "operation " + op.Key }

// consumerSends reports whether the API's consumers send op's messages:
// the application receives them (3.0 "receive"; 2.x "publish", which
// describes what others publish to the application).
func consumerSends(op asyncapi.Operation) bool {
	return op.Action == "receive" || op.Action == "publish"
}

func diffOperation(c *changes, x, y asyncapi.Operation) {
	sec := opSection(y)
	if x.Action != y.Action {
		c.add(sec, "asyncapi-operation-action-changed", Breaking, "changed the action from %s to %s", x.Action, y.Action)
	}
	if x.Channel != y.Channel {
		c.add(sec, "asyncapi-operation-channel-changed", Breaking, "moved the operation from the channel %s to %s", x.Channel, y.Channel)
	}
	sends := consumerSends(y)
	walk(x.Messages, y.Messages, messageKey,
		func(m asyncapi.Message) {
			c.add(sec, "asyncapi-message-removed", Breaking, "removed the message %s", messageKey(m))
		},
		func(m asyncapi.Message) {
			c.add(sec, "asyncapi-message-added", Info, "added the message %s", messageKey(m))
		},
		func(mx, my asyncapi.Message) {
			name := messageKey(my)
			diffSchema(c, sec, name+" payload", mx.Payload, my.Payload, sends)
			diffSchema(c, sec, name+" headers", mx.Headers, my.Headers, sends)
			if mx.ContentType != my.ContentType && mx.ContentType != "" {
				c.add(sec, "asyncapi-message-content-type-changed", Breaking, "changed the content type of %s from %s to %s", name, mx.ContentType, orNone(my.ContentType))
			}
		})
}

// messageKey names a message within an operation: its name, else its key
// or component, else its title.
func messageKey(m asyncapi.Message) string {
	for _, s := range []string{m.Name, m.Key, m.Component, m.Title} {
		if s != "" {
			return s
		}
	}
	return "(unnamed message)"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// field is one node of a schema tree, by its path.
type field struct {
	typ      string
	required bool
}

// flattenSchema lists a schema tree's nodes by path ("payload.user.id",
// "payload.tags[]"), leaving out what a cycle or a cut would repeat.
func flattenSchema(root *asyncapi.Schema, prefix string) (map[string]field, []string) {
	out := map[string]field{}
	var order []string
	var visit func(s *asyncapi.Schema, p string)
	visit = func(s *asyncapi.Schema, p string) {
		if _, seen := out[p]; seen {
			return
		}
		out[p] = field{typ: s.Type, required: s.Required}
		order = append(order, p)
		if s.Cycle {
			return
		}
		for i, ch := range s.Children {
			switch {
			case ch.Combinator != "":
				for j, part := range ch.Children {
					visit(part, p+" ("+ch.Combinator+" #"+strconv.Itoa(j+1)+")")
				}
			case ch.Name == "items":
				visit(ch, p+"[]")
			case ch.Name == "additionalProperties":
				visit(ch, p+".*")
			case ch.Name == "":
				visit(ch, p+" #"+strconv.Itoa(i+1))
			default:
				visit(ch, p+"."+ch.Name)
			}
		}
	}
	if root != nil {
		visit(root, prefix)
	}
	return out, order
}

func diffSchema(c *changes, sec, prefix string, x, y *asyncapi.Schema, consumerSends bool) {
	a, aorder := flattenSchema(x, prefix)
	b, border := flattenSchema(y, prefix)
	for _, p := range aorder {
		fx := a[p]
		fy, ok := b[p]
		switch {
		case !ok:
			if p == prefix {
				c.add(sec, "asyncapi-schema-removed", Breaking, "removed the %s schema", prefix)
			} else if _, parent := b[parentOf(p, a)]; parent {
				c.add(sec, "asyncapi-field-removed", Breaking, "removed the field %s", p)
			}
		case fx.typ != fy.typ && fx.typ != "":
			c.add(sec, "asyncapi-field-type-changed", Breaking, "changed the type of %s from %s to %s", p, fx.typ, orNone(fy.typ))
		case !fx.required && fy.required && consumerSends:
			c.add(sec, "asyncapi-field-became-required", Breaking, "made %s required in a message consumers send", p)
		}
	}
	for _, p := range border {
		if _, ok := a[p]; ok {
			continue
		}
		if _, parent := a[parentOf(p, b)]; !parent && p != prefix {
			continue // inside a new field: reported once, at the top
		}
		fy := b[p]
		switch {
		case p == prefix:
			c.add(sec, "asyncapi-schema-added", Info, "added a %s schema", prefix)
		case fy.required && consumerSends:
			c.add(sec, "asyncapi-required-field-added", Breaking, "added the required field %s to a message consumers send", p)
		default:
			c.add(sec, "asyncapi-field-added", Info, "added the field %s", p)
		}
	}
}

// parentOf is the longest proper prefix of p that is a path in m: the node
// p hangs from.
func parentOf(p string, m map[string]field) string {
	for i := len(p) - 1; i > 0; i-- {
		switch p[i] {
		case '.', '[', ' ':
			if _, ok := m[p[:i]]; ok {
				return p[:i]
			}
		}
	}
	return ""
}
