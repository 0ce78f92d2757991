-- One outgoing webhook call per configured webhook and new API version:
-- the body as it is signed and sent, and where its delivery stands
-- (pending, delivered, failed). UNIQUE keeps a version queued once per
-- webhook however many replicas hear of it.
CREATE TABLE api_webhook_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook         TEXT    NOT NULL,
  entity_key      TEXT    NOT NULL,
  from_id         BIGINT  NOT NULL,
  to_id           BIGINT  NOT NULL,
  event           TEXT    NOT NULL,
  body            BLOB   NOT NULL,
  state           TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT  NOT NULL,
  created_at      BIGINT  NOT NULL,
  done_at         BIGINT,
  last_error      TEXT    NOT NULL DEFAULT '',
  UNIQUE (webhook, to_id)
);
CREATE INDEX api_webhook_deliveries_due ON api_webhook_deliveries (state, next_attempt_at);

-- Each attempt: when, the HTTP status (0 when no response) and the error.
CREATE TABLE api_webhook_attempts (
  delivery_id BIGINT  NOT NULL,
  attempt     INTEGER NOT NULL,
  at          BIGINT  NOT NULL,
  status      INTEGER NOT NULL,
  duration_ms BIGINT  NOT NULL,
  error       TEXT    NOT NULL DEFAULT '',
  PRIMARY KEY (delivery_id, attempt)
);
