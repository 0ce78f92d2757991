package catalogapi

import "fmt"

// checkEnvelope checks v against @backstage/catalog-model's EntityEnvelope
// schema (an object with apiVersion, kind and metadata.name as non-empty
// strings, and metadata.namespace a non-empty string when present) and
// returns the message of the first failure as its ajv validator words it,
// or "" when v passes. Validate-entity checks this before processing, as
// Backstage's router does.
func checkEnvelope(v any) string {
	e, ok := v.(map[string]any)
	if !ok {
		return "<root> must be object - type: object"
	}
	for _, key := range []string{"apiVersion", "kind", "metadata"} {
		if _, ok := e[key]; !ok {
			return missing("<root>", key)
		}
	}
	for _, key := range []string{"apiVersion", "kind"} {
		if msg := nonEmptyString("/"+key, e[key]); msg != "" {
			return msg
		}
	}
	meta, ok := e["metadata"].(map[string]any)
	if !ok {
		return "/metadata must be object - type: object"
	}
	name, ok := meta["name"]
	if !ok {
		return missing("/metadata", "name")
	}
	if msg := nonEmptyString("/metadata/name", name); msg != "" {
		return msg
	}
	if ns, ok := meta["namespace"]; ok {
		return nonEmptyString("/metadata/namespace", ns)
	}
	return ""
}

func missing(path, key string) string {
	return fmt.Sprintf("%s must have required property '%s' - missingProperty: %s", path, key, key)
}

func nonEmptyString(path string, v any) string {
	s, ok := v.(string)
	switch {
	case !ok:
		return path + " must be string - type: string"
	case s == "":
		return path + " must NOT have fewer than 1 characters - limit: 1"
	}
	return ""
}
