package apidocs

import (
	"strconv"
	"strings"

	"github.com/porticohq/portico/catalog/asyncapi"
	av "github.com/porticohq/portico/views/apidocs"
)

func asyncAPIView(data []byte, keys itemKeys) av.ReferenceView {
	d, err := asyncapi.Parse(data)
	if err != nil {
		return av.ReferenceView{Format: "AsyncAPI", Error: &av.ReferenceError{Message: err.Error()}}
	}
	v := av.ReferenceView{Title: d.Title, Version: d.APIVersion, Format: "AsyncAPI " + d.Version, Description: d.Description, Problems: d.Problems}
	if d.DefaultContentType != "" {
		v.Facts = append(v.Facts, av.Fact{Label: "Default content type", Value: d.DefaultContentType})
	}
	ids := newAnchors()
	chanIDs := map[string]string{}
	for _, c := range d.Channels {
		chanIDs[c.Key] = ids.make("channel", c.Key)
		keys.note("channel "+c.Key, chanIDs[c.Key])
	}
	msgIDs := map[string]string{}
	for _, m := range d.Messages {
		msgIDs[m.Key] = ids.make("message", orStr(m.Key, m.Name))
	}
	opIDs := make([]string, len(d.Operations))
	for i, op := range d.Operations {
		opIDs[i] = ids.make("operation", op.Key)
		keys.note("operation "+op.Key, opIDs[i])
	}
	schemeIDs := map[string]string{}
	for _, s := range d.SecuritySchemes {
		schemeIDs[s.Name] = ids.make("security", s.Name)
	}
	if len(d.Operations) > 0 {
		sec := av.RefSection{ID: "operations", Title: "Operations"}
		if d.Major() == 2 {
			sec.Description = "In AsyncAPI 2, *publish* means the application receives messages sent to the channel, and *subscribe* means it sends them."
		}
		for i, op := range d.Operations {
			sec.Items = append(sec.Items, asyncOperation(ids, opIDs[i], op, chanIDs, schemeIDs))
		}
		v.Sections = append(v.Sections, sec)
	}
	if len(d.Channels) > 0 {
		sec := av.RefSection{ID: "channels", Title: "Channels"}
		for _, c := range d.Channels {
			sec.Items = append(sec.Items, asyncChannel(chanIDs[c.Key], c, d.Operations, opIDs, msgIDs))
		}
		v.Sections = append(v.Sections, sec)
	}
	v.Sections = append(v.Sections, asyncTrailingSections(d, ids, msgIDs, schemeIDs)...)
	return v
}

func asyncOperation(ids *anchors, id string, op asyncapi.Operation, chanIDs, schemeIDs map[string]string) av.RefItem {
	it := av.RefItem{
		ID: id, Name: orStr(op.Title, op.Key), Kind: op.Action, Signature: op.Address,
		Summary: op.Summary, Description: op.Description,
	}
	if op.Channel != "" {
		it.Links = append(it.Links, av.RefLink{Label: "Channel", Items: []av.LinkTarget{{Text: op.Channel, ID: chanIDs[op.Channel]}}})
	}
	if len(op.Security) > 0 {
		it.Links = append(it.Links, schemeLinks(op.Security, schemeIDs))
	}
	if op.ReplyAddress != "" {
		it.Facts = append(it.Facts, av.Fact{Label: "Reply address", Value: op.ReplyAddress})
	}
	it.Data = bindingData(op.Bindings)
	for _, m := range op.Messages {
		c := asyncMessage(m)
		c.ID = ids.make(it.ID+"-message", orStr(m.Key, m.Name))
		it.Children = append(it.Children, c)
	}
	for _, m := range op.ReplyMessages {
		c := asyncMessage(m)
		c.Kind = "reply"
		c.ID = ids.make(it.ID+"-reply", orStr(m.Key, m.Name))
		it.Children = append(it.Children, c)
	}
	return it
}

func asyncChannel(id string, c asyncapi.Channel, ops []asyncapi.Operation, opIDs []string, msgIDs map[string]string) av.RefItem {
	it := av.RefItem{ID: id, Name: c.Key, Signature: c.Address, Summary: orStr(c.Summary, c.Title), Description: c.Description, Data: bindingData(c.Bindings)}
	if c.Address == c.Key {
		it.Signature = ""
	}
	if len(c.Servers) > 0 {
		it.Facts = append(it.Facts, av.Fact{Label: "Servers", Value: strings.Join(c.Servers, ", ")})
	}
	var names []av.LinkTarget
	for _, m := range c.Messages {
		names = append(names, av.LinkTarget{Text: orStr(m.Name, m.Key), ID: msgIDs[m.Component]})
	}
	if len(names) > 0 {
		it.Links = append(it.Links, av.RefLink{Label: "Messages", Items: names})
	}
	var used []av.LinkTarget
	for i, op := range ops {
		if op.Channel == c.Key {
			used = append(used, av.LinkTarget{Text: op.Action + " " + orStr(op.Title, op.Key), ID: opIDs[i]})
		}
	}
	if len(used) > 0 {
		it.Links = append(it.Links, av.RefLink{Label: "Operations", Items: used})
	}
	if len(c.Parameters) > 0 {
		t := av.RefTable{Title: "Parameters"}
		for _, p := range c.Parameters {
			row := av.RefRow{Name: p.Name, Type: "string", Default: p.Default, Description: p.Description}
			if p.Schema != nil && p.Schema.Type != "" {
				row.Type = p.Schema.Type
				if len(p.Schema.Enum) > 0 && len(p.Enum) == 0 {
					p.Enum = p.Schema.Enum
				}
			}
			if len(p.Enum) > 0 {
				row.Note = "enum: " + strings.Join(p.Enum, ", ")
			}
			if p.Location != "" {
				row.Note = strings.TrimPrefix(row.Note+"; from "+p.Location, "; ")
			}
			t.Rows = append(t.Rows, row)
		}
		it.Tables = append(it.Tables, t)
	}
	return it
}

func asyncMessage(m asyncapi.Message) av.RefItem {
	it := av.RefItem{Name: orStr(m.Title, orStr(m.Name, m.Key)), Kind: "message", Summary: m.Summary, Description: m.Description, Data: bindingData(m.Bindings)}
	if m.Name != "" && m.Name != it.Name {
		it.Facts = append(it.Facts, av.Fact{Label: "Name", Value: m.Name})
	}
	if m.ContentType != "" {
		it.Facts = append(it.Facts, av.Fact{Label: "Content type", Value: m.ContentType})
	}
	if m.CorrelationID != "" {
		it.Facts = append(it.Facts, av.Fact{Label: "Correlation ID", Value: m.CorrelationID})
	}
	if m.Headers != nil {
		it.Schemas = append(it.Schemas, av.RefSchema{Title: "Headers", Root: schemaView(m.Headers)})
	}
	if m.Payload != nil {
		it.Schemas = append(it.Schemas, av.RefSchema{Title: "Payload", Root: schemaView(m.Payload)})
	}
	for i, ex := range m.Examples {
		it.Data = append(it.Data, av.RefData{Title: "Example " + strconv.Itoa(i+1), Lang: "yaml", Text: ex})
	}
	return it
}

func asyncServer(id string, s asyncapi.Server, schemeIDs map[string]string) av.RefItem {
	proto := s.Protocol
	if s.ProtocolVersion != "" {
		proto += " " + s.ProtocolVersion
	}
	it := av.RefItem{ID: id, Name: s.Name, Kind: proto, Signature: s.URL, Summary: s.Title, Description: s.Description, Data: bindingData(s.Bindings)}
	if len(s.Security) > 0 {
		it.Links = append(it.Links, schemeLinks(s.Security, schemeIDs))
	}
	if len(s.Variables) > 0 {
		t := av.RefTable{Title: "Variables"}
		for _, v := range s.Variables {
			row := av.RefRow{Name: v.Name, Type: "string", Default: v.Default, Description: v.Description}
			if len(v.Enum) > 0 {
				row.Note = "one of " + strings.Join(v.Enum, ", ")
			}
			t.Rows = append(t.Rows, row)
		}
		it.Tables = append(it.Tables, t)
	}
	return it
}

func securityItem(id string, s asyncapi.SecurityScheme) av.RefItem {
	it := av.RefItem{ID: id, Name: s.Name, Kind: s.Type, Description: s.Description}
	for _, f := range []av.Fact{{Label: "In", Value: s.In}, {Label: "Scheme", Value: s.Scheme}, {Label: "Bearer format", Value: s.BearerFormat}, {Label: "OpenID Connect URL", Value: s.OpenIDConnectURL}} {
		if f.Value != "" {
			it.Facts = append(it.Facts, f)
		}
	}
	for _, fl := range s.Flows {
		for _, f := range []av.Fact{{Label: fl.Name + " authorization URL", Value: fl.AuthorizationURL}, {Label: fl.Name + " token URL", Value: fl.TokenURL}, {Label: fl.Name + " refresh URL", Value: fl.RefreshURL}} {
			if f.Value != "" {
				it.Facts = append(it.Facts, f)
			}
		}
		if len(fl.Scopes) > 0 {
			t := av.RefTable{Title: "Scopes of the " + fl.Name + " flow"}
			for _, sc := range fl.Scopes {
				t.Rows = append(t.Rows, av.RefRow{Name: sc[0], Type: "scope", Description: sc[1]})
			}
			it.Tables = append(it.Tables, t)
		}
	}
	return it
}

func schemeLinks(names []string, schemeIDs map[string]string) av.RefLink {
	l := av.RefLink{Label: "Security"}
	for _, n := range names {
		l.Items = append(l.Items, av.LinkTarget{Text: n, ID: schemeIDs[n]})
	}
	return l
}

func bindingData(list []asyncapi.Binding) []av.RefData {
	var out []av.RefData
	for _, b := range list {
		out = append(out, av.RefData{Title: b.Protocol + " binding", Lang: "yaml", Text: b.Data})
	}
	return out
}

// schemaView copies a schema tree into the view's shape.
func schemaView(s *asyncapi.Schema) *av.SchemaView {
	if s == nil {
		return nil
	}
	n := &av.SchemaView{
		Name: s.Name, Ref: s.Ref, Type: s.Type, Format: s.Format, Description: firstLineOf(s.Description),
		Required: s.Required, Deprecated: s.Deprecated, ReadOnly: s.ReadOnly, WriteOnly: s.WriteOnly,
		Enum: s.Enum, Constraints: s.Constraints, Combinator: s.Combinator, Cycle: s.Cycle, Truncated: s.Truncated,
	}
	for _, c := range s.Children {
		n.Children = append(n.Children, schemaView(c))
	}
	return n
}

func orStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// asyncTrailingSections are the component messages, servers and security
// schemes, after the operations and channels.
func asyncTrailingSections(d *asyncapi.Document, ids *anchors, msgIDs, schemeIDs map[string]string) []av.RefSection {
	var out []av.RefSection
	if len(d.Messages) > 0 {
		sec := av.RefSection{ID: "messages", Title: "Messages"}
		for _, m := range d.Messages {
			it := asyncMessage(m)
			it.ID = msgIDs[m.Key]
			sec.Items = append(sec.Items, it)
		}
		out = append(out, sec)
	}
	if len(d.Servers) > 0 {
		sec := av.RefSection{ID: "servers", Title: "Servers"}
		for _, s := range d.Servers {
			sec.Items = append(sec.Items, asyncServer(ids.make("server", s.Name), s, schemeIDs))
		}
		out = append(out, sec)
	}
	if len(d.SecuritySchemes) > 0 {
		sec := av.RefSection{ID: "security", Title: "Security schemes"}
		for _, s := range d.SecuritySchemes {
			sec.Items = append(sec.Items, securityItem(schemeIDs[s.Name], s))
		}
		out = append(out, sec)
	}
	return out
}
