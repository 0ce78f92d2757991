// Package auth owns who is using Portico: GitHub sign-in (through goth, with
// Portico's own state and PKCE), sign-in resolvers that map a GitHub profile
// to a User entity in the catalog, server-side sessions, guest mode, static
// API tokens, CSRF protection and the security headers every response
// carries. The web layer calls Register once; handlers ask IdentityFrom,
// RequireUser and PageInfo what they need.
package auth
