package portico

import (
	"fmt"
	"strings"
)

// ExtensionPoint returns the extension point of type T (usually an
// interface such as catalogplugin.Extensions) offered by the plugin that
// r's module extends, as Backstage's registerInit deps on an extension
// point:
//
//	cat, err := portico.ExtensionPoint[catalogplugin.Extensions](r)
//	if err != nil {
//		return err
//	}
//	cat.AddEntityProvider(frobs.New(...))
//
// The error names the plugin and the type it does not offer.
func ExtensionPoint[T any](r ModuleRegistrar) (T, error) {
	pluginID, eps := r.extended()
	for _, ep := range eps {
		if t, ok := ep.(T); ok {
			return t, nil
		}
	}
	var zero T
	name := strings.TrimPrefix(fmt.Sprintf("%T", (*T)(nil)), "*")
	return zero, fmt.Errorf("plugin %q offers no %s extension point", pluginID, name)
}
