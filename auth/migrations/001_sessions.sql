-- Portico's own sessions. id is the SHA-256 of the session id the cookie
-- carries, so a database dump does not hand out live sessions. Times are
-- Unix milliseconds, the same on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS auth_sessions (
  id           TEXT   NOT NULL PRIMARY KEY,
  user_ref     TEXT   NOT NULL,
  ownership    TEXT   NOT NULL,
  name         TEXT   NOT NULL DEFAULT '',
  avatar       TEXT   NOT NULL DEFAULT '',
  created_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_sessions_expires_at ON auth_sessions (expires_at);
