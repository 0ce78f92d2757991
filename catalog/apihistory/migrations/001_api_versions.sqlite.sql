-- Every distinct definition of an API, stored once (gzip), keyed by its
-- SHA-256; current_since orders the timeline: the newest is the current one.
CREATE TABLE api_versions (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  entity_key    TEXT    NOT NULL,
  hash          TEXT    NOT NULL,
  spec_type     TEXT    NOT NULL DEFAULT '',
  info_version  TEXT    NOT NULL DEFAULT '',
  provider      TEXT    NOT NULL DEFAULT '',
  location      TEXT    NOT NULL DEFAULT '',
  size          BIGINT  NOT NULL,
  first_seen    BIGINT  NOT NULL,
  current_since BIGINT  NOT NULL,
  prev_id       BIGINT,
  definition    BLOB    NOT NULL,
  UNIQUE (entity_key, hash)
);
CREATE INDEX api_versions_timeline ON api_versions (entity_key, current_since DESC, id DESC);

-- Diffs computed between two versions (the previous one when a version
-- arrives, other pairs on demand): counts for the timeline, the report gzip'd.
CREATE TABLE api_version_diffs (
  from_id     BIGINT  NOT NULL,
  to_id       BIGINT  NOT NULL,
  breaking    INTEGER NOT NULL,
  warning     INTEGER NOT NULL,
  info        INTEGER NOT NULL,
  report      BLOB    NOT NULL,
  computed_at BIGINT  NOT NULL,
  PRIMARY KEY (from_id, to_id)
);
