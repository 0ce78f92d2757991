package apidocs

import "strings"

// Class lists of the reference components (in Go so the Tailwind build
// sees them).
const (
	linkText = "text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
	muted    = "text-slate-500 dark:text-slate-400"
	errorBox = "border-red-300 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
	warnBox  = "border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
	// threePane lays a definition page out: the sidebar and the centre on
	// wide screens (each operation adds its own right column at xl), one
	// column on phones.
	threePane = "lg:grid lg:grid-cols-[15rem_minmax(0,1fr)] lg:gap-8"
)

// sidebarBadges is the most items a sidebar section shows with kind
// badges; longer sections list names only, to keep the page small.
const sidebarBadges = 100

// kindClass colours an item's kind badge.
func kindClass(kind string) string {
	base := "inline-block rounded px-1.5 text-xs font-semibold "
	switch strings.ToLower(kind) {
	case "send", "publish", "mutation":
		return base + "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-300"
	case "receive", "subscribe", "subscription":
		return base + "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-300"
	case "query", "rpc":
		return base + "bg-indigo-100 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-300"
	case "client streaming", "server streaming", "bidi streaming":
		return base + "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300"
	case "enum", "union", "interface", "input", "scalar":
		return base + "bg-purple-100 text-purple-800 dark:bg-purple-950 dark:text-purple-300"
	}
	return base + "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200"
}

// shortKind abbreviates a kind for the narrow sidebar.
func shortKind(kind string) string {
	switch kind {
	case "subscription":
		return "sub"
	case "mutation":
		return "mut"
	case "client streaming", "server streaming", "bidi streaming":
		return "stream"
	case "interface":
		return "iface"
	case "subscribe":
		return "sub"
	case "publish":
		return "pub"
	}
	return kind
}

func strikeIf(deprecated bool) string {
	if deprecated {
		return "line-through"
	}
	return ""
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
