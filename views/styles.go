package views

// Shared class lists. They live in Go so the Tailwind build (which scans
// views/**/*.go) sees them and every page uses the same look.
const (
	focusRing       = "focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2 focus-visible:ring-offset-white dark:focus-visible:ring-offset-ink-900"
	linkClass       = "rounded text-accent-700 underline-offset-2 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 dark:text-accent-300"
	buttonPrimary   = "inline-flex items-center rounded-md bg-accent-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-accent-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-ink-900"
	buttonSecondary = "inline-flex items-center rounded-md border border-ink-300 bg-white px-3 py-1.5 text-sm font-medium text-ink-700 hover:bg-ink-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 dark:border-ink-700 dark:bg-ink-800 dark:text-ink-200 dark:hover:bg-ink-700"
	inputClass      = "block w-full rounded-md border border-ink-300 bg-white px-3 py-1.5 text-sm text-ink-900 placeholder:text-ink-400 focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500 dark:border-ink-700 dark:bg-ink-900 dark:text-ink-100"
	cardClass       = "rounded-lg border border-ink-200 bg-white p-4 shadow-sm dark:border-ink-800 dark:bg-ink-900"
	headingClass    = "text-2xl font-semibold tracking-tight"
	subheadingClass = "text-lg font-semibold"
	mutedClass      = "text-sm text-ink-500 dark:text-ink-400"
)

// Exported aliases for feature views (views/apidocs, ...) that want the same look.
const (
	// FocusRing is the keyboard focus style of interactive elements.
	FocusRing = focusRing
	// LinkClass styles an inline text link.
	LinkClass = linkClass
	// ButtonPrimary styles the main action of a form.
	ButtonPrimary = buttonPrimary
	// ButtonSecondary styles secondary actions.
	ButtonSecondary = buttonSecondary
	// InputClass styles text inputs and selects.
	InputClass = inputClass
	// CardClass styles a bordered panel.
	CardClass = cardClass
	// ControlClass styles a compact input or select inside a dense panel
	// (try-it, Authorize): InputClass with less padding.
	ControlClass = "mt-0.5 block w-full min-w-0 rounded-md border border-ink-300 bg-white px-2 py-1 text-sm text-ink-900 placeholder:text-ink-500 focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500 dark:border-ink-700 dark:bg-ink-900 dark:text-ink-100 dark:placeholder:text-ink-400"
	// ButtonPrimarySmall is ButtonPrimary for dense panels.
	ButtonPrimarySmall = "inline-flex items-center rounded-md bg-accent-600 px-3 py-1 text-sm font-medium text-white hover:bg-accent-500 disabled:opacity-60 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-ink-900"
	// ButtonSecondarySmall is ButtonSecondary for dense panels.
	ButtonSecondarySmall = "inline-flex items-center rounded-md border border-ink-300 bg-white px-3 py-1 text-sm font-medium text-ink-700 hover:bg-ink-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 dark:border-ink-700 dark:bg-ink-800 dark:text-ink-200 dark:hover:bg-ink-700"
)

// lifecycleClass colours a lifecycle badge.
func lifecycleClass(lifecycle string) string {
	switch lifecycle {
	case "production":
		return "bg-emerald-50 text-emerald-700 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-900"
	case "experimental":
		return "bg-amber-50 text-amber-800 ring-amber-200 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-900"
	case "deprecated":
		return "bg-red-50 text-red-700 ring-red-200 dark:bg-red-950 dark:text-red-300 dark:ring-red-900"
	}
	return "bg-slate-100 text-slate-700 ring-slate-200 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-700"
}

// alertClass colours an Alert.
func alertClass(level string) string {
	if level == "error" {
		return "border-red-300 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
	}
	return "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
}

// alertRole makes errors announce themselves to screen readers.
func alertRole(level string) string {
	if level == "error" {
		return "alert"
	}
	return "status"
}
