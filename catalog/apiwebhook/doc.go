// Package apiwebhook tells outside systems (a chat, a CI pipeline) that an
// API changed: when the history recorder stores a new version with its
// diff, a delivery per matching webhook (apiDocs.history.webhooks) is
// queued in the catalog's database; a scheduler job, run by one replica at
// a time, POSTs each due delivery's JSON body signed with HMAC-SHA256
// (X-Portico-Signature), through the same egress guard as the URL reader
// and try-it, and retries failures with exponential backoff, recording
// every attempt.
package apiwebhook
