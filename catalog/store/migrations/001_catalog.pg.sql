-- The catalog's tables on PostgreSQL. Timestamps are unix milliseconds.
CREATE TABLE entities (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uid          TEXT   NOT NULL UNIQUE,
  ref_key      TEXT   NOT NULL UNIQUE,
  ref          TEXT   NOT NULL,
  kind         TEXT   NOT NULL,
  kind_raw     TEXT   NOT NULL,
  namespace    TEXT   NOT NULL,
  name         TEXT   NOT NULL,
  provider     TEXT   NOT NULL,
  location_key TEXT   NOT NULL DEFAULT '',
  location     TEXT   NOT NULL DEFAULT '',
  hash         TEXT   NOT NULL,
  etag         TEXT   NOT NULL,
  fts_text     TEXT   NOT NULL DEFAULT '',
  tsv          TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', fts_text)) STORED,
  problems     TEXT,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX entities_provider ON entities (provider);
CREATE INDEX entities_kind ON entities (kind, ref_key);
CREATE INDEX entities_kind_name ON entities (kind, name, ref_key);
CREATE INDEX entities_name ON entities (name, ref_key);
CREATE INDEX entities_updated ON entities (updated_at);
CREATE INDEX entities_tsv ON entities USING GIN (tsv);

-- Bodies live apart from the narrow entities rows, so that filtering and
-- ordering never read ~10 KB rows; a page's bodies are read by id at the end.
CREATE TABLE entity_bodies (
  entity_id BIGINT PRIMARY KEY,
  body      TEXT NOT NULL
);

-- Flattened entity fields (Backstage's buildEntitySearch): lower-cased
-- dotted keys and values; raw is the value as written, kept only where its
-- case differs (facets show coalesce(raw, value)); value is null for null or
-- over-long values.
CREATE TABLE search (
  entity_id BIGINT NOT NULL,
  key       TEXT   NOT NULL,
  value     TEXT,
  raw       TEXT
);
CREATE INDEX search_key_value ON search (key, value);
CREATE INDEX search_entity ON search (entity_id, key, value);

-- Relation edges, both directions, owned by the entity whose processing
-- emitted them (entity_id); spliced into bodies at read time.
CREATE TABLE relations (
  entity_id  BIGINT NOT NULL,
  source_key TEXT   NOT NULL,
  type       TEXT   NOT NULL,
  type_key   TEXT   NOT NULL,
  target_key TEXT   NOT NULL
);
CREATE INDEX relations_source ON relations (source_key, type, target_key);
CREATE INDEX relations_target ON relations (type_key, target_key);
CREATE INDEX relations_entity ON relations (entity_id);

CREATE TABLE conflicts (
  entity_ref            TEXT   NOT NULL,
  provider              TEXT   NOT NULL,
  location_key          TEXT   NOT NULL,
  existing_location_key TEXT   NOT NULL,
  location              TEXT   NOT NULL,
  message               TEXT   NOT NULL,
  at                    BIGINT NOT NULL,
  PRIMARY KEY (entity_ref, provider, location_key)
);
CREATE INDEX conflicts_provider ON conflicts (provider);

CREATE TABLE source_problems (
  provider TEXT   NOT NULL,
  location TEXT   NOT NULL,
  problems TEXT   NOT NULL,
  at       BIGINT NOT NULL,
  PRIMARY KEY (provider, location)
);
