package apidiff

import (
	"context"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/grpcdef"
)

// GRPC diffs two .proto definitions structurally, over the model the
// Definition tab renders (grpcdef, compiled with protocompile). Breaking:
// a service, RPC, message, field, enum or enum value removed; an RPC's
// request or response type or streaming changed; a field's type, number
// or name changed (fields are matched by number), or an enum value's number. Non-breaking: anything added.
// Deprecations are listed as info.
func GRPC(ctx context.Context, from, to Input) (*Report, error) {
	a, err := parseProto(ctx, from)
	if err != nil {
		return nil, err
	}
	b, err := parseProto(ctx, to)
	if err != nil {
		return nil, err
	}
	var c changes
	walk(a.Services, b.Services, func(s grpcdef.Service) string { return s.FullName },
		func(s grpcdef.Service) {
			c.add("service "+s.FullName, "grpc-service-removed", Breaking, "removed the service %s", s.FullName)
		},
		func(s grpcdef.Service) {
			c.add("service "+s.FullName, "grpc-service-added", Info, "added the service %s", s.FullName)
		},
		func(x, y grpcdef.Service) { diffService(&c, x, y) })
	walk(a.Messages, b.Messages, func(m grpcdef.Message) string { return m.FullName },
		func(m grpcdef.Message) {
			c.add("message "+m.FullName, "grpc-message-removed", Breaking, "removed the message %s", m.FullName)
		},
		func(m grpcdef.Message) {
			c.add("message "+m.FullName, "grpc-message-added", Info, "added the message %s", m.FullName)
		},
		func(x, y grpcdef.Message) { diffMessage(&c, x, y) })
	walk(a.Enums, b.Enums, func(e grpcdef.Enum) string { return e.FullName },
		func(e grpcdef.Enum) {
			c.add("enum "+e.FullName, "grpc-enum-removed", Breaking, "removed the enum %s", e.FullName)
		},
		func(e grpcdef.Enum) {
			c.add("enum "+e.FullName, "grpc-enum-added", Info, "added the enum %s", e.FullName)
		},
		func(x, y grpcdef.Enum) { diffEnum(&c, x, y) })
	return c.report("", ""), nil
}

func parseProto(ctx context.Context, in Input) (*grpcdef.File, error) {
	// The compiler wants a relative file name; in.Name may be a URL or
	// "api:x version 2", and prefixes the error.
	f, err := grpcdef.Parse(ctx, "definition.proto", in.Data)
	if err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "%s: %v", in.Name, err)
	}
	return f, nil
}

func diffService(c *changes, x, y grpcdef.Service) {
	sec := "service " + y.FullName
	if !x.Deprecated && y.Deprecated {
		c.add(sec, "grpc-service-deprecated", Info, "deprecated the service %s", y.FullName)
	}
	walk(x.Methods, y.Methods, func(m grpcdef.Method) string { return m.Name },
		func(m grpcdef.Method) {
			c.add(sec, "grpc-rpc-removed", Breaking, "removed the RPC %s/%s", x.FullName, m.Name)
		},
		func(m grpcdef.Method) {
			c.add(sec, "grpc-rpc-added", Info, "added the RPC %s/%s", y.FullName, m.Name)
		},
		func(mx, my grpcdef.Method) {
			rpc := y.FullName + "/" + my.Name
			if mx.Input != my.Input {
				c.add(sec, "grpc-rpc-request-changed", Breaking, "changed the request of %s from %s to %s", rpc, mx.Input, my.Input)
			}
			if mx.Output != my.Output {
				c.add(sec, "grpc-rpc-response-changed", Breaking, "changed the response of %s from %s to %s", rpc, mx.Output, my.Output)
			}
			if mx.ClientStreaming != my.ClientStreaming || mx.ServerStreaming != my.ServerStreaming {
				c.add(sec, "grpc-rpc-streaming-changed", Breaking, "changed the streaming of %s from %s to %s", rpc, streaming(mx), streaming(my))
			}
			if !mx.Deprecated && my.Deprecated {
				c.add(sec, "grpc-rpc-deprecated", Info, "deprecated the RPC %s", rpc)
			}
		})
}

func streaming(m grpcdef.Method) string {
	switch {
	case m.ClientStreaming && m.ServerStreaming:
		return "bidirectional streaming"
	case m.ClientStreaming:
		return "client streaming"
	case m.ServerStreaming:
		return "server streaming"
	}
	return "unary"
}

func diffMessage(c *changes, x, y grpcdef.Message) {
	sec := "message " + y.FullName
	if !x.Deprecated && y.Deprecated {
		c.add(sec, "grpc-message-deprecated", Info, "deprecated the message %s", y.FullName)
	}
	// Fields are matched by number, which is what the wire carries, and
	// the fields left over by name (a field given a new number).
	ys := make(map[int]grpcdef.Field, len(y.Fields))
	for _, f := range y.Fields {
		ys[f.Number] = f
	}
	matched := make(map[int]bool, len(x.Fields))
	var gone, fresh []grpcdef.Field
	for _, fx := range x.Fields {
		if fy, ok := ys[fx.Number]; ok && !matched[fx.Number] {
			matched[fx.Number] = true
			diffField(c, sec, y.FullName, fx, fy)
			continue
		}
		gone = append(gone, fx)
	}
	for _, fy := range y.Fields {
		if !matched[fy.Number] {
			fresh = append(fresh, fy)
		}
	}
	walk(gone, fresh, func(f grpcdef.Field) string { return f.Name },
		func(f grpcdef.Field) {
			c.add(sec, "grpc-field-removed", Breaking, "removed the field %s (number %d) from %s", f.Name, f.Number, x.FullName)
		},
		func(f grpcdef.Field) {
			c.add(sec, "grpc-field-added", Info, "added the field %s %s = %d to %s", f.Type, f.Name, f.Number, y.FullName)
		},
		func(fx, fy grpcdef.Field) {
			c.add(sec, "grpc-field-number-changed", Breaking, "changed the number of %s.%s from %d to %d", y.FullName, fy.Name, fx.Number, fy.Number)
			diffField(c, sec, y.FullName, fx, fy)
		})
}

// diffField compares two fields of a message that share a number or a
// name: a new name is breaking for JSON and generated code, though the
// binary encoding is unchanged (as buf's FIELD_SAME_NAME rule has it).
func diffField(c *changes, sec, message string, fx, fy grpcdef.Field) {
	name := message + "." + fy.Name
	if fx.Name != fy.Name {
		c.add(sec, "grpc-field-renamed", Breaking, "renamed the field %s.%s (number %d) to %s: the binary encoding is unchanged, but JSON and generated code use the new name", message, fx.Name, fx.Number, fy.Name)
	}
	if fx.Type != fy.Type {
		c.add(sec, "grpc-field-type-changed", Breaking, "changed the type of %s from %s to %s", name, fx.Type, fy.Type)
	}
	if fx.Oneof != fy.Oneof {
		c.add(sec, "grpc-field-oneof-changed", Breaking, "moved %s from oneof %q to %q", name, fx.Oneof, fy.Oneof)
	}
	if !fx.Deprecated && fy.Deprecated {
		c.add(sec, "grpc-field-deprecated", Info, "deprecated the field %s", name)
	}
}

func diffEnum(c *changes, x, y grpcdef.Enum) {
	sec := "enum " + y.FullName
	walk(x.Values, y.Values, func(v grpcdef.EnumValue) string { return v.Name },
		func(v grpcdef.EnumValue) {
			c.add(sec, "grpc-enum-value-removed", Breaking, "removed the value %s from %s", v.Name, x.FullName)
		},
		func(v grpcdef.EnumValue) {
			c.add(sec, "grpc-enum-value-added", Info, "added the value %s = %d to %s", v.Name, v.Number, y.FullName)
		},
		func(vx, vy grpcdef.EnumValue) {
			if vx.Number != vy.Number {
				c.add(sec, "grpc-enum-value-number-changed", Breaking, "changed the number of %s.%s from %d to %d", y.FullName, vy.Name, vx.Number, vy.Number)
			}
			if !vx.Deprecated && vy.Deprecated {
				c.add(sec, "grpc-enum-value-deprecated", Info, "deprecated the value %s.%s", y.FullName, vy.Name)
			}
		})
}
