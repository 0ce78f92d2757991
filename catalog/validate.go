package catalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The patterns of Backstage's KubernetesValidatorFunctions and
// FieldFormatEntityPolicy.
var (
	namePattern      = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dnsLabelPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	kindPattern      = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	tagPattern       = regexp.MustCompile(`^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$`)
	apiVersionFormat = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[a-z0-9]+$`)
)

const (
	nameRule      = "must be 1-63 characters of [a-zA-Z0-9-_.], starting and ending with [a-zA-Z0-9]"
	namespaceRule = "must be 1-63 characters of [a-z0-9-], starting and ending with [a-z0-9] (lower case only)"
	kindRule      = "must be 1-63 characters of [a-zA-Z0-9], starting with a letter"
	tagRule       = "must be 1-63 characters of [a-z0-9:+#] in groups separated by single dashes"
	keyRule       = "must be a name (" + nameRule + "), optionally prefixed by a DNS subdomain and a slash, e.g. example.com/name"
)

// IsValidName reports whether s is a valid metadata.name.
func IsValidName(s string) bool { return len(s) >= 1 && len(s) <= 63 && namePattern.MatchString(s) }

// IsValidNamespace reports whether s is a valid metadata.namespace.
func IsValidNamespace(s string) bool { return isDNSLabel(s) }

// IsValidKind reports whether s is a valid kind.
func IsValidKind(s string) bool { return len(s) >= 1 && len(s) <= 63 && kindPattern.MatchString(s) }

// IsValidTag reports whether s is a valid metadata.tags item.
func IsValidTag(s string) bool { return len(s) >= 1 && len(s) <= 63 && tagPattern.MatchString(s) }

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

// coreAPIVersions are the apiVersions of Backstage's core kinds.
var coreAPIVersions = map[string]bool{"backstage.io/v1alpha1": true, "backstage.io/v1beta1": true}

// templateAPIVersions are accepted for kind Template besides the core ones.
var templateAPIVersions = map[string]bool{"scaffolder.backstage.io/v1beta2": true, "scaffolder.backstage.io/v1beta3": true}

// coreKinds maps each core kind (lower case) to its canonical spelling.
var coreKinds = map[string]string{
	"api": "API", "component": "Component", "resource": "Resource", "system": "System",
	"domain": "Domain", "group": "Group", "user": "User", "location": "Location", "template": "Template",
}

// validateEntity checks the envelope, the metadata and the spec of e
// against Backstage's rules, reporting each problem on pc.
func validateEntity(pc *ProcessContext) {
	e := pc.Entity
	validateEnvelope(pc, e)
	validateMetadata(pc, &e.Metadata)
	if canonical, ok := coreKinds[strings.ToLower(e.Kind)]; ok && canonical == e.Kind {
		validateSpec(pc, e)
	}
}

func validateEnvelope(pc *ProcessContext, e *Entity) {
	switch {
	case e.APIVersion == "":
		pc.AddProblem("apiVersion", "is required (backstage.io/v1alpha1)")
	case !apiVersionFormat.MatchString(e.APIVersion):
		pc.AddProblem("apiVersion", fmt.Sprintf("%q is not valid; must be of the form group/version, e.g. backstage.io/v1alpha1", e.APIVersion))
	}
	if e.Kind == "" {
		pc.AddProblem("kind", "is required")
		return
	}
	if !IsValidKind(e.Kind) {
		pc.AddProblem("kind", fmt.Sprintf("%q is not valid; %s", e.Kind, kindRule))
		return
	}
	canonical, core := coreKinds[strings.ToLower(e.Kind)]
	if !core || e.APIVersion == "" {
		return
	}
	if canonical != e.Kind {
		pc.AddProblem("kind", fmt.Sprintf("%q is not valid; the core kind is spelled %q", e.Kind, canonical))
		return
	}
	if !coreAPIVersions[e.APIVersion] && !(canonical == "Template" && templateAPIVersions[e.APIVersion]) {
		pc.AddProblem("apiVersion", fmt.Sprintf("%q is not valid for kind %s; must be backstage.io/v1alpha1 or backstage.io/v1beta1", e.APIVersion, e.Kind))
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
	for _, k := range sortedKeys(m.Labels) {
		v := m.Labels[k]
		if !IsValidKey(k) {
			pc.AddProblem("metadata.labels", fmt.Sprintf("key %q is not valid; %s", k, keyRule))
		}
		if v != "" && !IsValidName(v) {
			pc.AddProblem("metadata.labels."+k, fmt.Sprintf("%q is not valid; a label value must be empty or %s", v, strings.TrimPrefix(nameRule, "must be ")))
		}
	}
	for _, k := range sortedKeys(m.Annotations) {
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
		if strings.TrimSpace(l.URL) == "" {
			pc.AddProblem("metadata.links["+strconv.Itoa(i)+"].url", "is required")
		}
	}
}
