package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Limits of a filter predicate: a hostile one must not turn into a huge SQL
// statement. Every condition (an operator or a field test) is a subquery
// or a node of the WHERE clause, every value a bound parameter; PostgreSQL
// took 10 s over 1,800 field tests, so conditions are bounded far below
// values, which only lengthen an IN list.
const (
	MaxPredicateDepth      = 32
	MaxPredicateConditions = 256
	MaxPredicateTerms      = 2000 // values
)

// PredicateOp says what a Predicate node is.
type PredicateOp int

const (
	// PredicateFields holds when every one of Fields holds (no Fields:
	// always).
	PredicateFields PredicateOp = iota
	// PredicateAll holds when every one of Args holds ($all; none: always).
	PredicateAll
	// PredicateAny holds when one of Args holds ($any; none: never).
	PredicateAny
	// PredicateNot holds when Args[0] does not ($not).
	PredicateNot
)

// MatchOp says how a FieldMatch tests its field.
type MatchOp int

const (
	// MatchIn: the field has one of Values (a plain value is a one-value
	// In; $in with no values matches nothing).
	MatchIn MatchOp = iota
	// MatchExists: the field is present (Exists) or absent (!Exists).
	MatchExists
	// MatchPrefix: the field has a value starting with Prefix.
	MatchPrefix
)

// FieldMatch is one `"<key>": <value matcher>` of a field expression.
// Values and Prefix are as written: numbers and booleans as their JSON
// text; matching entities folds case (the catalog), matching locations
// does not.
type FieldMatch struct {
	Key    string
	Op     MatchOp
	Values []string
	Exists bool
	Prefix string
}

// Predicate is a filter predicate of @backstage/filter-predicates as
// Backstage's catalog evaluates it: $all, $any and $not of field
// expressions whose values are a primitive, {$exists}, {$in}, {$hasPrefix}
// or {$contains}. $contains is rewritten as the catalog's search table
// sees arrays: {$contains: <primitive>} is the value itself, and
// `relations: {$contains: {type, targetRef}}` is `relations.<type>`.
type Predicate struct {
	Op     PredicateOp
	Args   []*Predicate
	Fields []FieldMatch
	raw    json.RawMessage
}

// JSON is the predicate as it was received, to carry it in a cursor.
func (p *Predicate) JSON() json.RawMessage {
	if p == nil {
		return nil
	}
	return p.raw
}

// ParsePredicate parses a filter predicate; an invalid one is an EINVALID
// error naming the problem and where it is. A missing or null predicate is
// nil (no predicate).
func ParsePredicate(raw json.RawMessage) (*Predicate, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if bytes.Contains(raw, []byte(`\u0000`)) {
		// PostgreSQL's text cannot hold NUL (it matched as if absent).
		return nil, Errorf(EINVALID, "Invalid query: NUL characters (\\u0000) are not supported")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, Errorf(EINVALID, "Invalid query: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, Errorf(EINVALID, "Invalid filter predicate: top-level primitive values are not supported. "+
			`Wrap the value in a field expression, e.g. { "kind": %s }`, raw)
	}
	ps := &predicateParser{}
	p, err := ps.predicate(v, "query", 1)
	if err != nil {
		return nil, err
	}
	p.raw = raw
	return p, nil
}

type predicateParser struct{ conds, values int }

// count counts n values.
func (ps *predicateParser) count(path string, n int) error {
	ps.values += n
	if ps.values > MaxPredicateTerms {
		return Errorf(EINVALID, "Invalid query: more than %d values (at %s)", MaxPredicateTerms, path)
	}
	return nil
}

// condition counts one operator or field test.
func (ps *predicateParser) condition(path string) error {
	ps.conds++
	if ps.conds > MaxPredicateConditions {
		return Errorf(EINVALID, "Invalid query: more than %d conditions, operators and field tests (at %s)", MaxPredicateConditions, path)
	}
	return nil
}

func (ps *predicateParser) predicate(v any, path string, depth int) (*Predicate, error) {
	if depth > MaxPredicateDepth {
		return nil, Errorf(EINVALID, "Invalid query: nested deeper than %d levels (at %s)", MaxPredicateDepth, path)
	}
	if err := ps.condition(path); err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(EINVALID, "Invalid query: %s must be an object, got %s", path, jsonText(v))
	}
	for _, op := range []string{"$all", "$any", "$not"} {
		operand, ok := obj[op]
		if !ok {
			continue
		}
		if len(obj) != 1 {
			return nil, Errorf(EINVALID, "Invalid query: operator %s must be the only key in %s, wrap in $all to combine with other conditions", op, path)
		}
		return ps.logical(op, operand, path+"."+op, depth)
	}
	p := &Predicate{Op: PredicateFields}
	// Sorted, so that one predicate is always the same SQL (and cache key).
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		val := obj[key]
		if strings.HasPrefix(key, "$") {
			return nil, Errorf(EINVALID, "Invalid query: unknown operator %s in %s (use $all, $any or $not)", key, path)
		}
		if key == "" {
			return nil, Errorf(EINVALID, "Invalid query: empty field name in %s", path)
		}
		// Every field is a condition of its own (one subquery), whatever
		// its operator; its values count on top.
		if err := ps.condition(path + "." + key); err != nil {
			return nil, err
		}
		m, err := ps.field(key, val, path+"."+key)
		if err != nil {
			return nil, err
		}
		p.Fields = append(p.Fields, m)
	}
	return p, nil
}

func (ps *predicateParser) logical(op string, operand any, path string, depth int) (*Predicate, error) {
	if op == "$not" {
		arg, err := ps.predicate(operand, path, depth+1)
		if err != nil {
			return nil, err
		}
		return &Predicate{Op: PredicateNot, Args: []*Predicate{arg}}, nil
	}
	list, ok := operand.([]any)
	if !ok {
		return nil, Errorf(EINVALID, "Invalid query: %s must be a list of predicates", path)
	}
	p := &Predicate{Op: PredicateAll}
	if op == "$any" {
		p.Op = PredicateAny
	}
	for i, item := range list {
		arg, err := ps.predicate(item, path+"["+strconv.Itoa(i)+"]", depth+1)
		if err != nil {
			return nil, err
		}
		p.Args = append(p.Args, arg)
	}
	return p, nil
}

// field parses one field's value matcher. As zod's union in
// filter-predicates does, the first operator whose operand is valid wins
// ($exists, $in, $contains, $hasPrefix) and other keys are ignored.
func (ps *predicateParser) field(key string, val any, path string) (FieldMatch, error) {
	if s, ok := primitive(val); ok {
		return FieldMatch{Key: key, Op: MatchIn, Values: []string{s}}, ps.count(path, 1)
	}
	obj, ok := val.(map[string]any)
	if !ok {
		return FieldMatch{}, unsupportedValue(key, val)
	}
	if b, ok := obj["$exists"].(bool); ok {
		return FieldMatch{Key: key, Op: MatchExists, Exists: b}, nil
	}
	if list, ok := obj["$in"].([]any); ok {
		m := FieldMatch{Key: key, Op: MatchIn, Values: []string{}}
		valid := true
		for _, item := range list {
			s, ok := primitive(item)
			if !ok {
				valid = false
				break
			}
			m.Values = append(m.Values, s)
		}
		if valid {
			return m, ps.count(path, len(m.Values))
		}
	}
	if target, ok := obj["$contains"]; ok && target != nil {
		return ps.contains(key, target, path)
	}
	if s, ok := obj["$hasPrefix"].(string); ok {
		return FieldMatch{Key: key, Op: MatchPrefix, Prefix: s}, nil
	}
	return FieldMatch{}, unsupportedValue(key, val)
}

// contains rewrites $contains the way Backstage's catalog answers it: an
// array is flattened into one search row per item, so a primitive operand
// is a plain match, and relations are matched by type and target.
func (ps *predicateParser) contains(key string, target any, path string) (FieldMatch, error) {
	if s, ok := primitive(target); ok {
		return FieldMatch{Key: key, Op: MatchIn, Values: []string{s}}, ps.count(path, 1)
	}
	obj, ok := target.(map[string]any)
	if !ok || !strings.EqualFold(key, "relations") {
		return FieldMatch{}, unsupportedValue(key, map[string]any{"$contains": target})
	}
	var typ, ref any
	var hasType, hasRef bool
	for k, v := range obj {
		switch strings.ToLower(k) {
		case "type":
			typ, hasType = v, true
		case "targetref":
			ref, hasRef = v, true
		default:
			return FieldMatch{}, Errorf(EINVALID, `The $contains operator for "relations" requires a "type" and optionally a "targetRef" property, but got %s`, jsonText(target))
		}
	}
	typeName, ok := primitive(typ)
	if !hasType || !ok {
		return FieldMatch{}, Errorf(EINVALID, `The $contains operator for "relations" requires a "type" and optionally a "targetRef" property, but got %s`, jsonText(target))
	}
	m := FieldMatch{Key: "relations." + typeName}
	if !hasRef {
		m.Op, m.Exists = MatchExists, true
		return m, nil
	}
	if s, ok := ref.(string); ok {
		m.Op, m.Values = MatchIn, []string{s}
		return m, ps.count(path, 1)
	}
	if in, ok := ref.(map[string]any); ok {
		if list, ok := in["$in"].([]any); ok {
			m.Op, m.Values = MatchIn, []string{}
			for _, item := range list {
				s, ok := primitive(item)
				if !ok {
					s = jsonText(item)
				}
				m.Values = append(m.Values, s)
			}
			return m, ps.count(path, len(m.Values))
		}
	}
	return FieldMatch{}, Errorf(EINVALID, `Unsupported "targetRef" in $contains for "relations": %s`, jsonText(ref))
}

func unsupportedValue(key string, val any) error {
	return Errorf(EINVALID, `Unsupported filter predicate value for field "%s": %s (use a string, number or boolean, $exists, $in, $hasPrefix or $contains)`, key, jsonText(val))
}

// primitive returns a string, number or boolean as JavaScript's String()
// writes it, which is how Backstage compares values.
func primitive(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case json.Number:
		return jsNumber(t), true
	}
	return "", false
}

// jsNumber formats n as JavaScript's String(n): 7.0 is "7", 1e3 is "1000".
func jsNumber(n json.Number) string {
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return n.String()
	}
	if a := math.Abs(f); a != 0 && (a >= 1e21 || a < 1e-6) {
		s := strconv.FormatFloat(f, 'g', -1, 64)
		// Go writes 1e+21 and 1e-07; JavaScript writes 1e+21 and 1e-7.
		if i := strings.Index(s, "e-0"); i >= 0 {
			s = s[:i+2] + s[i+3:]
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
