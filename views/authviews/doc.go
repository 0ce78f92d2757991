// Package authviews renders the sign-in pages: the sign-in choices, sign-in
// errors that say what happened and how to retry, and the signed-out page.
package authviews
