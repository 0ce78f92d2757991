-- Pending GitHub sign-ins: one row per state Portico handed out. The
-- callback deletes the row, so a state works once, on any replica.
CREATE TABLE IF NOT EXISTS auth_oauth_states (
  id         TEXT   NOT NULL PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_oauth_states_expires_at ON auth_oauth_states (expires_at);
