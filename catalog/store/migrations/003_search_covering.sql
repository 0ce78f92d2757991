-- search_key_value also carries entity_id, so that a filter condition's
-- entities are listed from the index alone, and a probe "does entity X
-- have key=value" seeks within that value's own run of the index (a few
-- pages, cached) instead of through search_entity, whose pages for 100,000
-- entities do not stay in a reader's cache (store/plan.go).
DROP INDEX search_key_value;
CREATE INDEX search_key_value ON search (key, value, entity_id);
