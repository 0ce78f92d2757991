package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Unmarshaler is implemented by types that accept several shapes of
// configuration (e.g. backend.listen as ":7007" or {host, port}). Decode
// calls UnmarshalConfig with the view of the value's own key.
type Unmarshaler interface {
	UnmarshalConfig(c *Config) error
}

var (
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
	configPtrType   = reflect.TypeFor[*Config]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// Decode stores the section into v, a pointer to a struct, map, slice or
// scalar. Struct fields take their key from the yaml tag (or the field name
// with a lower-case first letter); a `config:"required"` tag makes a missing
// key an error; `yaml:",inline"` decodes a field from the struct's own
// section, beside its other keys. A field of type *Config receives the raw
// view of its key, for sections handed on to someone else. time.Duration
// accepts every form Backstage accepts: {minutes: 30}, "PT30M", "30m",
// "30 minutes" (see parseDuration). Keys the target does not name are
// ignored here; the backend warns about unused keys once at start. Errors
// name the file and the key path.
func (c *Config) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("config decode: need a non-nil pointer, got %T", v)
	}
	c.markUsed(c.path)
	return c.decode(rv.Elem())
}

func (c *Config) decode(rv reflect.Value) error {
	if rv.CanAddr() && rv.Addr().Type().Implements(unmarshalerType) {
		if c.value == nil {
			return nil
		}
		return rv.Addr().Interface().(Unmarshaler).UnmarshalConfig(c)
	}
	if rv.Type() == configPtrType {
		rv.Set(reflect.ValueOf(c))
		return nil
	}
	if c.value == nil {
		return nil
	}
	if rv.Type() == durationType {
		d, err := c.duration()
		if err != nil {
			return err
		}
		rv.SetInt(int64(d))
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			rv.Set(reflect.New(rv.Type().Elem()))
		}
		return c.decode(rv.Elem())
	case reflect.Interface:
		if rv.NumMethod() != 0 {
			return c.typeError("a value of type " + rv.Type().String())
		}
		rv.Set(reflect.ValueOf(c.value))
		return nil
	case reflect.Struct:
		return c.decodeStruct(rv)
	case reflect.Map:
		return c.decodeMap(rv)
	case reflect.Slice:
		return c.decodeSlice(rv)
	default:
		return c.decodeScalar(rv)
	}
}

func (c *Config) decodeStruct(rv reflect.Value) error {
	if _, ok := c.value.(map[string]any); !ok {
		return c.typeError("a map of keys")
	}
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if inline(f) {
			// The field's keys sit beside the struct's own (a provider's
			// safety rules next to its bucket name).
			if err := c.decode(rv.Field(i)); err != nil {
				return err
			}
			continue
		}
		key := fieldKey(f)
		if key == "-" {
			continue
		}
		sub := c.Sub(key)
		if sub.value == nil && strings.Contains(f.Tag.Get("config"), "required") {
			return c.Errorf(key, "a value is required")
		}
		if err := sub.decode(rv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func inline(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return opts == "inline"
}

func fieldKey(f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("yaml"); ok {
		name, _, _ := strings.Cut(tag, ",")
		if name != "" {
			return name
		}
	}
	return strings.ToLower(f.Name[:1]) + f.Name[1:]
}

func (c *Config) decodeMap(rv reflect.Value) error {
	m, ok := c.value.(map[string]any)
	if !ok {
		return c.typeError("a map of keys")
	}
	if rv.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("config decode %s: map keys must be strings", c.path)
	}
	if rv.IsNil() {
		rv.Set(reflect.MakeMapWithSize(rv.Type(), len(m)))
	}
	for _, k := range c.Keys() {
		elem := reflect.New(rv.Type().Elem()).Elem()
		if err := c.Sub(k).decode(elem); err != nil {
			return err
		}
		rv.SetMapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()), elem)
	}
	return nil
}

func (c *Config) decodeSlice(rv reflect.Value) error {
	list, ok := c.value.([]any)
	if !ok {
		if rv.Type().Elem().Kind() == reflect.String {
			// A single string where a list of strings is expected.
			if s, isStr := c.value.(string); isStr {
				rv.Set(reflect.Append(reflect.MakeSlice(rv.Type(), 0, 1), reflect.ValueOf(s).Convert(rv.Type().Elem())))
				return nil
			}
		}
		return c.typeError("a list")
	}
	out := reflect.MakeSlice(rv.Type(), len(list), len(list))
	for i, item := range list {
		sub := c.Index(i)
		sub.value = item
		if err := sub.decode(out.Index(i)); err != nil {
			return err
		}
	}
	rv.Set(out)
	return nil
}

// Index returns the view of item i of a list section; an empty view when c
// is not a list or i is out of range.
func (c *Config) Index(i int) *Config {
	list, _ := c.value.([]any)
	var v any
	if i >= 0 && i < len(list) {
		v = list[i]
	}
	path := fmt.Sprintf("%s[%d]", c.path, i)
	c.markUsed(path)
	return &Config{tree: c.tree, path: path, value: v}
}

func (c *Config) decodeScalar(rv reflect.Value) error {
	switch rv.Kind() {
	case reflect.String:
		switch v := c.value.(type) {
		case string:
			rv.SetString(v)
		case int, float64, bool:
			rv.SetString(fmt.Sprint(v))
		default:
			return c.typeError("a string")
		}
	case reflect.Bool:
		b, ok := c.value.(bool)
		if s, isStr := c.value.(string); isStr {
			parsed, err := strconv.ParseBool(s)
			b, ok = parsed, err == nil
		}
		if !ok {
			return c.typeError("true or false")
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := c.integer()
		if !ok || rv.OverflowInt(n) {
			return c.typeError("a whole number")
		}
		rv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := c.integer()
		if !ok || n < 0 || rv.OverflowUint(uint64(n)) {
			return c.typeError("a whole number of 0 or more")
		}
		rv.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		f, ok := c.float()
		if !ok {
			return c.typeError("a number")
		}
		rv.SetFloat(f)
	default:
		return fmt.Errorf("config decode %s: unsupported type %s", c.path, rv.Type())
	}
	return nil
}

func (c *Config) integer() (int64, bool) {
	switch v := c.value.(type) {
	case int:
		return int64(v), true
	case int64: // configuration built in code
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func (c *Config) float() (float64, bool) {
	switch v := c.value.(type) {
	case int:
		return float64(v), true
	case int64: // configuration built in code
		return float64(v), true
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	}
	return 0, false
}

// typeError says what was expected and shows what was found.
func (c *Config) typeError(want string) error {
	return c.Errorf("", "expected %s, got %s", want, describe(c.value))
}

func describe(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case nil:
		return "nothing"
	default:
		return fmt.Sprint(t)
	}
}
