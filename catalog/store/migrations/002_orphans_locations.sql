-- Orphans: an entity its Location no longer emits is kept, marked
-- backstage.io/orphan in its body, since orphaned_at (unix milliseconds).
ALTER TABLE entities ADD COLUMN orphaned_at BIGINT;

-- Registered locations (POST /api/catalog/locations), as Backstage's
-- locations table: read on a schedule by every replica's scheduler, one
-- runner at a time.
CREATE TABLE locations (
  id         TEXT   NOT NULL PRIMARY KEY,
  type       TEXT   NOT NULL,
  target     TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (type, target)
);
