package apidocs

import (
	"errors"
	"strings"

	"github.com/porticohq/portico/catalog/graphqldef"
	av "github.com/porticohq/portico/views/apidocs"
)

func graphQLView(file string, data []byte, keys itemKeys) av.ReferenceView {
	s, err := graphqldef.Parse(file, data)
	if err != nil {
		re := &av.ReferenceError{File: file, Message: err.Error()}
		var se *graphqldef.SyntaxError
		if errors.As(err, &se) {
			re.Message, re.Line, re.Column = se.Message, se.Line, se.Column
		}
		return av.ReferenceView{Format: "GraphQL schema", Error: re}
	}
	v := av.ReferenceView{Format: "GraphQL schema", Description: s.Description, Problems: s.Warnings}
	ids := newAnchors()
	typeIDs := map[string]string{}
	for _, t := range s.Types {
		typeIDs[t.Name] = ids.make("type", t.Name)
		keys.note(t.Kind+" "+t.Name, typeIDs[t.Name])
	}
	for _, root := range []struct {
		id, title, kind string
		fields          []graphqldef.Field
		typ             string
	}{
		{"queries", "Queries", "query", s.Queries, s.RootTypes[0]},
		{"mutations", "Mutations", "mutation", s.Mutations, s.RootTypes[1]},
		{"subscriptions", "Subscriptions", "subscription", s.Subscriptions, s.RootTypes[2]},
	} {
		if len(root.fields) == 0 {
			continue
		}
		sec := av.RefSection{ID: root.id, Title: root.title}
		keys.note("object "+root.typ, root.id) // the root operation type
		for _, f := range root.fields {
			sec.Items = append(sec.Items, rootField(ids.make(root.kind, f.Name), root.kind, f, typeIDs))
		}
		v.Sections = append(v.Sections, sec)
	}
	// Types by kind, as GraphiQL's documentation groups them.
	for _, k := range []struct{ kind, id, title string }{
		{"object", "objects", "Objects"}, {"interface", "interfaces", "Interfaces"}, {"union", "unions", "Unions"},
		{"enum", "enums", "Enums"}, {"input", "inputs", "Input objects"}, {"scalar", "scalars", "Scalars"},
	} {
		sec := av.RefSection{ID: k.id, Title: k.title}
		for _, t := range s.Types {
			if t.Kind == k.kind {
				sec.Items = append(sec.Items, graphQLType(typeIDs[t.Name], t, typeIDs))
			}
		}
		if len(sec.Items) > 0 {
			v.Sections = append(v.Sections, sec)
		}
	}
	return v
}

func rootField(id, kind string, f graphqldef.Field, typeIDs map[string]string) av.RefItem {
	it := av.RefItem{ID: id, Name: f.Name, Kind: kind, Signature: fieldSignature(f), Description: f.Description, Deprecated: f.Deprecated, DeprecationReason: f.DeprecationReason}
	it.Links = []av.RefLink{{Label: "Returns", Items: []av.LinkTarget{{Text: f.Type, ID: typeIDs[f.NamedType]}}}}
	if len(f.Args) > 0 {
		it.Tables = append(it.Tables, fieldTable("Arguments", f.Args, typeIDs))
	}
	return it
}

func graphQLType(id string, t graphqldef.Type, typeIDs map[string]string) av.RefItem {
	it := av.RefItem{ID: id, Name: t.Name, Kind: t.Kind, Description: t.Description}
	for _, l := range []struct {
		label string
		names []string
	}{{"Implements", t.Interfaces}, {"Members", t.Members}, {"Implemented by", t.Implemented}} {
		if len(l.names) == 0 {
			continue
		}
		link := av.RefLink{Label: l.label}
		for _, n := range l.names {
			link.Items = append(link.Items, av.LinkTarget{Text: n, ID: typeIDs[n]})
		}
		it.Links = append(it.Links, link)
	}
	if len(t.Fields) > 0 {
		title := "Fields"
		if t.Kind == "input" {
			title = "Input fields"
		}
		it.Tables = append(it.Tables, fieldTable(title, t.Fields, typeIDs))
	}
	if len(t.Values) > 0 {
		tb := av.RefTable{Title: "Values"}
		for _, ev := range t.Values {
			tb.Rows = append(tb.Rows, av.RefRow{Name: ev.Name, Type: t.Name, Description: ev.Description, Deprecated: ev.Deprecated, DeprecationReason: ev.DeprecationReason})
		}
		it.Tables = append(it.Tables, tb)
	}
	return it
}

func fieldTable(title string, fields []graphqldef.Field, typeIDs map[string]string) av.RefTable {
	t := av.RefTable{Title: title}
	for _, f := range fields {
		row := av.RefRow{
			Name: f.Name, Type: f.Type, TypeID: typeIDs[f.NamedType], Default: f.Default, Description: f.Description,
			Required: strings.HasSuffix(f.Type, "!"), Deprecated: f.Deprecated, DeprecationReason: f.DeprecationReason,
		}
		if len(f.Args) > 0 {
			row.Note = argList(f.Args)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// fieldSignature is a field as SDL writes it: "film(id: ID, filmID: ID): Film".
func fieldSignature(f graphqldef.Field) string {
	return f.Name + argList(f.Args) + ": " + f.Type
}

func argList(args []graphqldef.Field) string {
	if len(args) == 0 {
		return ""
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name + ": " + a.Type
		if a.Default != "" {
			parts[i] += " = " + a.Default
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
