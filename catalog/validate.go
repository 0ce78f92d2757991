package catalog

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The patterns of Backstage's KubernetesValidatorFunctions,
// CommonValidatorFunctions and makeValidator (packages/catalog-model/src/
// validation), which FieldFormatEntityPolicy applies.
var (
	namePattern       = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dnsLabelPattern   = regexp.MustCompile(`^[a-z0-9]+(-+[a-z0-9]+)*$`)
	kindPattern       = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	tagPattern        = regexp.MustCompile(`^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$`)
	apiVersionPattern = regexp.MustCompile(`^[a-z0-9A-Z]+$`)
	urlSchemePattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

const (
	nameRule       = "must be 1-63 characters of [a-zA-Z0-9-_.], starting and ending with [a-zA-Z0-9]"
	namespaceRule  = "must be 1-63 characters of [a-z0-9-], starting and ending with [a-z0-9] (lower case only)"
	kindRule       = "must be 1-63 characters of [a-zA-Z0-9], starting with a letter"
	tagRule        = "must be 1-63 characters of [a-z0-9:+#] in groups separated by single dashes"
	keyRule        = "must be a name (" + nameRule + "), optionally prefixed by a DNS subdomain and a slash, e.g. example.com/name"
	apiVersionRule = "must be a version of 1-63 characters of [a-zA-Z0-9], optionally prefixed by a DNS subdomain and a slash, e.g. backstage.io/v1alpha1"
)

// IsValidName reports whether s is a valid metadata.name.
func IsValidName(s string) bool { return len(s) >= 1 && len(s) <= 63 && namePattern.MatchString(s) }

// IsValidNamespace reports whether s is a valid metadata.namespace: a DNS
// label, where Backstage allows runs of dashes ("a--b").
func IsValidNamespace(s string) bool { return isDNSLabel(s) }

// IsValidKind reports whether s is a valid kind.
func IsValidKind(s string) bool { return len(s) >= 1 && len(s) <= 63 && kindPattern.MatchString(s) }

// IsValidTag reports whether s is a valid metadata.tags item.
func IsValidTag(s string) bool { return len(s) >= 1 && len(s) <= 63 && tagPattern.MatchString(s) }

// IsValidAPIVersion reports whether s is a valid apiVersion:
// [dns-subdomain/]version, as Backstage's isValidApiVersion.
func IsValidAPIVersion(s string) bool {
	prefix, version, found := strings.Cut(s, "/")
	if !found {
		prefix, version = "", s
	} else if !isDNSSubdomain(prefix) {
		return false
	}
	return len(version) >= 1 && len(version) <= 63 && apiVersionPattern.MatchString(version)
}

// IsValidKey reports whether s is a valid label or annotation key:
// [dns-subdomain/]name.
func IsValidKey(s string) bool {
	prefix, name, found := strings.Cut(s, "/")
	if !found {
		return IsValidName(s)
	}
	return isDNSSubdomain(prefix) && IsValidName(name)
}

func isDNSLabel(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && dnsLabelPattern.MatchString(s)
}

func isDNSSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !isDNSLabel(label) {
			return false
		}
	}
	return true
}

// validateEntity checks the envelope and the metadata of e against
// Backstage's rules and, when its kind and apiVersion are registered in
// ks, the rest with the kind's Validate, reporting each problem on pc.
func validateEntity(pc *ProcessContext, ks kindSet) {
	e := pc.Entity
	validateEnvelope(pc, e)
	validateMetadata(pc, &e.Metadata)
	if e.Kind == "" || !IsValidKind(e.Kind) {
		return
	}
	if k := ks.recognise(pc, e); k != nil && k.Validate != nil {
		k.Validate(pc)
	}
}

func validateEnvelope(pc *ProcessContext, e *Entity) {
	switch {
	case e.APIVersion == "":
		pc.AddProblem("apiVersion", "is required (backstage.io/v1alpha1)")
	case !IsValidAPIVersion(e.APIVersion):
		pc.AddProblem("apiVersion", fmt.Sprintf("%q is not valid; %s", e.APIVersion, apiVersionRule))
	}
	switch {
	case e.Kind == "":
		pc.AddProblem("kind", "is required")
	case !IsValidKind(e.Kind):
		pc.AddProblem("kind", fmt.Sprintf("%q is not valid; %s", e.Kind, kindRule))
	}
}

func validateMetadata(pc *ProcessContext, m *Metadata) {
	switch {
	case m.Name == "":
		pc.AddProblem("metadata.name", "is required")
	case !IsValidName(m.Name):
		pc.AddProblem("metadata.name", fmt.Sprintf("%q is not valid; %s", m.Name, nameRule))
	}
	if m.Namespace != "" && !IsValidNamespace(m.Namespace) {
		pc.AddProblem("metadata.namespace", fmt.Sprintf("%q is not valid; %s", m.Namespace, namespaceRule))
	}
	for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
		v := m.Labels[k]
		if !IsValidKey(k) {
			pc.AddProblem("metadata.labels", fmt.Sprintf("key %q is not valid; %s", k, keyRule))
		}
		if v != "" && !IsValidName(v) {
			pc.AddProblem("metadata.labels."+k, fmt.Sprintf("%q is not valid; a label value must be empty or %s", v, strings.TrimPrefix(nameRule, "must be ")))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.Annotations)) {
		if !IsValidKey(k) {
			pc.AddProblem("metadata.annotations", fmt.Sprintf("key %q is not valid; %s", k, keyRule))
		}
	}
	for i, t := range m.Tags {
		if !IsValidTag(t) {
			pc.AddProblem("metadata.tags["+strconv.Itoa(i)+"]", fmt.Sprintf("%q is not valid; %s", t, tagRule))
		}
	}
	for i, l := range m.Links {
		validateLink(pc, "metadata.links["+strconv.Itoa(i)+"]", l)
	}
}

// validateLink applies FieldFormatEntityPolicy's link rules: url is
// required and a URL, title and icon are not blank when given.
func validateLink(pc *ProcessContext, field string, l Link) {
	switch {
	case l.URL == "":
		pc.AddProblem(field+".url", "is required")
	case !isValidURL(l.URL):
		pc.AddProblem(field+".url", fmt.Sprintf("%q is not valid; must be an absolute URL, e.g. https://example.com/docs", l.URL))
	}
	if l.Title != "" && strings.TrimSpace(l.Title) == "" {
		pc.AddProblem(field+".title", "must not be blank")
	}
	if l.Icon != "" && strings.TrimSpace(l.Icon) == "" {
		pc.AddProblem(field+".icon", "must not be blank")
	}
}

// specialSchemes are the WHATWG URL schemes whose URLs need a host.
var specialSchemes = map[string]bool{"http": true, "https": true, "ws": true, "wss": true, "ftp": true}

// isValidURL approximates Backstage's isValidUrl, which is whether the
// WHATWG URL parser (new URL(s)) accepts s: a scheme, and for http(s),
// ws(s) and ftp a host with an optional numeric port.
func isValidURL(s string) bool {
	s = strings.Trim(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	scheme := urlSchemePattern.FindString(s)
	if scheme == "" {
		return false
	}
	if !specialSchemes[strings.ToLower(strings.TrimSuffix(scheme, ":"))] {
		return true
	}
	rest := strings.TrimLeft(s[len(scheme):], `/\`)
	authority := rest
	if i := strings.IndexAny(rest, `/\?#`); i >= 0 {
		authority = rest[:i]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = authority[i+1:]
	}
	host, port := authority, ""
	if i := strings.LastIndex(authority, ":"); i >= 0 && !strings.HasSuffix(authority, "]") {
		host, port = authority[:i], authority[i+1:]
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			return false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		return len(host) > 2
	}
	return host != "" && !strings.ContainsAny(host, " \t\n\r#%/:<>?@[\\]^|")
}
