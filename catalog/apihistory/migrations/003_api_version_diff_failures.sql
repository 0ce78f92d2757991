-- Diffs that failed between two versions (a definition that no longer
-- loads, a spec.type that changed), with why in words, so that the
-- timeline and the feeds tell "could not be computed" from "not computed
-- yet" on every replica and after a restart. A diff of the pair that
-- later succeeds is in api_version_diffs, which wins.
CREATE TABLE api_version_diff_failures (
  from_id   BIGINT NOT NULL,
  to_id     BIGINT NOT NULL,
  error     TEXT   NOT NULL,
  failed_at BIGINT NOT NULL,
  PRIMARY KEY (from_id, to_id)
);
