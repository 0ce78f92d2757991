// Package grpcdef is the catalog's model of gRPC definitions: one .proto
// file compiled with protocompile (the well-known google/protobuf imports
// resolved from its standard set) into services, RPCs with their request
// and response messages and streaming, messages and enums, with comments.
package grpcdef

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// File is one compiled .proto file.
type File struct {
	Name     string
	Package  string
	Syntax   string // proto2, proto3, editions
	Services []Service
	Messages []Message // nested messages flattened, map entries left out
	Enums    []Enum    // nested enums flattened
}

// Service is a gRPC service.
type Service struct {
	Name       string
	FullName   string
	Comment    string
	Deprecated bool
	Methods    []Method
}

// Method is one RPC.
type Method struct {
	Name            string
	Comment         string
	Input, Output   string // full names of the messages
	ClientStreaming bool
	ServerStreaming bool
	Deprecated      bool
}

// Message is a message type.
type Message struct {
	Name       string // full name without the package
	FullName   string
	Comment    string
	Deprecated bool
	Fields     []Field
}

// Field is one field of a message.
type Field struct {
	Name       string
	Number     int
	Type       string // "string", "repeated Point", "map<string, Feature>"
	TypeRef    string // full name of the message or enum it names, if any
	Oneof      string
	Comment    string
	Deprecated bool
}

// Enum is an enum type.
type Enum struct {
	Name       string
	FullName   string
	Comment    string
	Deprecated bool
	Values     []EnumValue
}

// EnumValue is one value of an enum.
type EnumValue struct {
	Name       string
	Number     int
	Comment    string
	Deprecated bool
}

// Error is a definition that does not compile, with where.
type Error struct {
	File         string
	Line, Column int
	Message      string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
	}
	return e.File + ": " + e.Message
}

// errImport is returned for an import that is neither this definition nor
// a standard google/protobuf file.
var errImport = errors.New("is not available: a definition is one file, and only the standard google/protobuf imports resolve")

// Parse compiles one .proto file's text; name is its file name.
func Parse(ctx context.Context, name string, src []byte) (*File, error) {
	if name == "" {
		name = "definition.proto"
	}
	text := string(src)
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: func(path string) (io.ReadCloser, error) {
				if path == name {
					return io.NopCloser(strings.NewReader(text)), nil
				}
				return nil, fmt.Errorf("import %q %w", path, errImport)
			},
		}),
		MaxParallelism: 1,
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	files, err := c.Compile(ctx, name)
	if err != nil {
		return nil, compileError(name, err)
	}
	fd := files[0]
	f := &File{Name: name, Package: string(fd.Package()), Syntax: fd.Syntax().String()}
	if fd.Syntax() == protoreflect.Editions {
		f.Syntax = "editions"
	}
	pkg := string(fd.Package())
	for i := 0; i < fd.Services().Len(); i++ {
		f.Services = append(f.Services, service(fd, fd.Services().Get(i)))
	}
	f.collect(fd, pkg, fd.Messages(), fd.Enums())
	return f, nil
}

func service(fd protoreflect.FileDescriptor, sd protoreflect.ServiceDescriptor) Service {
	s := Service{Name: string(sd.Name()), FullName: string(sd.FullName()), Comment: comment(fd, sd), Deprecated: deprecated(sd)}
	for j := 0; j < sd.Methods().Len(); j++ {
		md := sd.Methods().Get(j)
		s.Methods = append(s.Methods, Method{
			Name: string(md.Name()), Comment: comment(fd, md),
			Input: string(md.Input().FullName()), Output: string(md.Output().FullName()),
			ClientStreaming: md.IsStreamingClient(), ServerStreaming: md.IsStreamingServer(), Deprecated: deprecated(md),
		})
	}
	return s
}

func (f *File) collect(fd protoreflect.FileDescriptor, pkg string, msgs protoreflect.MessageDescriptors, enums protoreflect.EnumDescriptors) {
	for i := 0; i < enums.Len(); i++ {
		ed := enums.Get(i)
		e := Enum{Name: local(pkg, ed.FullName()), FullName: string(ed.FullName()), Comment: comment(fd, ed), Deprecated: deprecated(ed)}
		for j := 0; j < ed.Values().Len(); j++ {
			v := ed.Values().Get(j)
			e.Values = append(e.Values, EnumValue{Name: string(v.Name()), Number: int(v.Number()), Comment: comment(fd, v), Deprecated: deprecated(v)})
		}
		f.Enums = append(f.Enums, e)
	}
	for i := 0; i < msgs.Len(); i++ {
		md := msgs.Get(i)
		if md.IsMapEntry() {
			continue
		}
		m := Message{Name: local(pkg, md.FullName()), FullName: string(md.FullName()), Comment: comment(fd, md), Deprecated: deprecated(md)}
		for j := 0; j < md.Fields().Len(); j++ {
			m.Fields = append(m.Fields, field(fd, md.Fields().Get(j)))
		}
		f.Messages = append(f.Messages, m)
		f.collect(fd, pkg, md.Messages(), md.Enums())
	}
}

func field(fd protoreflect.FileDescriptor, d protoreflect.FieldDescriptor) Field {
	fl := Field{Name: string(d.Name()), Number: int(d.Number()), Comment: comment(fd, d), Deprecated: deprecated(d)}
	typ, ref := kindName(d)
	switch {
	case d.IsMap():
		kt, _ := kindName(d.MapKey())
		vt, vref := kindName(d.MapValue())
		typ, ref = "map<"+kt+", "+vt+">", vref
	case d.IsList():
		typ = "repeated " + typ
	case d.HasOptionalKeyword():
		typ = "optional " + typ
	}
	fl.Type, fl.TypeRef = typ, ref
	if o := d.ContainingOneof(); o != nil && !o.IsSynthetic() {
		fl.Oneof = string(o.Name())
	}
	return fl
}

func kindName(d protoreflect.FieldDescriptor) (name, ref string) {
	switch d.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(d.Message().FullName()), string(d.Message().FullName())
	case protoreflect.EnumKind:
		return string(d.Enum().FullName()), string(d.Enum().FullName())
	}
	return d.Kind().String(), ""
}

// local is a full name without the file's package.
func local(pkg string, full protoreflect.FullName) string {
	if pkg != "" {
		return strings.TrimPrefix(string(full), pkg+".")
	}
	return string(full)
}

func comment(fd protoreflect.FileDescriptor, d protoreflect.Descriptor) string {
	loc := fd.SourceLocations().ByDescriptor(d)
	c := loc.LeadingComments
	if c == "" {
		c = loc.TrailingComments
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(c, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, " "))
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// deprecated reads the deprecated option every descriptor's options carry.
func deprecated(d protoreflect.Descriptor) bool {
	opts := d.Options()
	if opts == nil {
		return false
	}
	m := opts.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("deprecated")
	return fd != nil && m.Get(fd).Bool()
}

func compileError(name string, err error) error {
	var ep reporter.ErrorWithPos
	if errors.As(err, &ep) {
		pos := ep.GetPosition()
		file := pos.Filename
		if file == "" {
			file = name
		}
		return &Error{File: file, Line: pos.Line, Column: pos.Col, Message: ep.Unwrap().Error()}
	}
	return &Error{File: name, Message: err.Error()}
}
