-- entities_page holds what a driven page reads of each matching entity
-- besides its id (the columns a condition or an order may test, and the
-- ref key it is sorted by), so that counting and sorting a filter's
-- matches is an index-only scan once the table is vacuumed (a bulk load
-- ends with a VACUUM, store/bulk.go) instead of a heap fetch per match.
CREATE INDEX entities_page ON entities (id) INCLUDE (kind, namespace, name, ref_key);
