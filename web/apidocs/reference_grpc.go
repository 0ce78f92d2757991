package apidocs

import (
	"context"
	"errors"
	"strconv"

	"github.com/porticohq/portico/catalog/grpcdef"
	av "github.com/porticohq/portico/views/apidocs"
)

func grpcView(ctx context.Context, file string, data []byte, keys itemKeys) av.ReferenceView {
	f, err := grpcdef.Parse(ctx, file, data)
	if err != nil {
		re := &av.ReferenceError{File: file, Message: err.Error()}
		var pe *grpcdef.Error
		if errors.As(err, &pe) {
			re.File, re.Line, re.Column, re.Message = pe.File, pe.Line, pe.Column, pe.Message
		}
		return av.ReferenceView{Format: "Protocol Buffers", Error: re}
	}
	v := av.ReferenceView{Format: "Protocol Buffers (" + f.Syntax + ")"}
	if f.Package != "" {
		v.Facts = append(v.Facts, av.Fact{Label: "Package", Value: f.Package})
	}
	ids := newAnchors()
	typeIDs := map[string]string{}
	for _, m := range f.Messages {
		typeIDs[m.FullName] = ids.make("message", m.Name)
		keys.note("message "+m.FullName, typeIDs[m.FullName])
	}
	for _, e := range f.Enums {
		typeIDs[e.FullName] = ids.make("enum", e.Name)
		keys.note("enum "+e.FullName, typeIDs[e.FullName])
	}
	for _, s := range f.Services {
		sec := av.RefSection{ID: ids.make("service", s.Name), Title: "Service " + s.Name, Description: s.Comment}
		keys.note("service "+s.FullName, sec.ID)
		if s.Deprecated {
			sec.Title += " (deprecated)"
		}
		for _, m := range s.Methods {
			sec.Items = append(sec.Items, rpcItem(ids.make("rpc", s.Name+"."+m.Name), s, m, typeIDs))
		}
		v.Sections = append(v.Sections, sec)
	}
	if len(f.Messages) > 0 {
		v.Sections = append(v.Sections, messageSection(f.Messages, typeIDs))
	}
	if len(f.Enums) > 0 {
		v.Sections = append(v.Sections, enumSection(f.Enums, typeIDs))
	}
	return v
}

func rpcItem(id string, s grpcdef.Service, m grpcdef.Method, typeIDs map[string]string) av.RefItem {
	kind := "rpc"
	switch {
	case m.ClientStreaming && m.ServerStreaming:
		kind = "bidi streaming"
	case m.ClientStreaming:
		kind = "client streaming"
	case m.ServerStreaming:
		kind = "server streaming"
	}
	it := av.RefItem{
		ID: id, Name: m.Name, Kind: kind, Description: m.Comment, Deprecated: m.Deprecated || s.Deprecated,
		Signature: "rpc " + m.Name + "(" + streamed(m.ClientStreaming) + m.Input + ") returns (" + streamed(m.ServerStreaming) + m.Output + ")",
	}
	it.Facts = []av.Fact{{Label: "Method", Value: "/" + s.FullName + "/" + m.Name}}
	it.Links = []av.RefLink{
		{Label: "Request", Items: []av.LinkTarget{{Text: streamed(m.ClientStreaming) + m.Input, ID: typeIDs[m.Input]}}},
		{Label: "Response", Items: []av.LinkTarget{{Text: streamed(m.ServerStreaming) + m.Output, ID: typeIDs[m.Output]}}},
	}
	return it
}

func streamed(on bool) string {
	if on {
		return "stream "
	}
	return ""
}

func messageSection(msgs []grpcdef.Message, typeIDs map[string]string) av.RefSection {
	sec := av.RefSection{ID: "messages", Title: "Messages"}
	for _, m := range msgs {
		it := av.RefItem{ID: typeIDs[m.FullName], Name: m.Name, Kind: "message", Description: m.Comment, Deprecated: m.Deprecated}
		t := av.RefTable{Title: "Fields"}
		for _, fl := range m.Fields {
			row := av.RefRow{Name: fl.Name, Type: fl.Type, TypeID: typeIDs[fl.TypeRef], Note: "= " + strconv.Itoa(fl.Number), Description: fl.Comment, Deprecated: fl.Deprecated}
			if fl.Oneof != "" {
				row.Note += ", oneof " + fl.Oneof
			}
			t.Rows = append(t.Rows, row)
		}
		if len(t.Rows) > 0 {
			it.Tables = []av.RefTable{t}
		}
		sec.Items = append(sec.Items, it)
	}
	return sec
}

func enumSection(enums []grpcdef.Enum, typeIDs map[string]string) av.RefSection {
	sec := av.RefSection{ID: "enums", Title: "Enums"}
	for _, e := range enums {
		it := av.RefItem{ID: typeIDs[e.FullName], Name: e.Name, Kind: "enum", Description: e.Comment, Deprecated: e.Deprecated}
		t := av.RefTable{Title: "Values"}
		for _, ev := range e.Values {
			t.Rows = append(t.Rows, av.RefRow{Name: ev.Name, Type: strconv.Itoa(ev.Number), Description: ev.Comment, Deprecated: ev.Deprecated})
		}
		it.Tables = []av.RefTable{t}
		sec.Items = append(sec.Items, it)
	}
	return sec
}
