-- entities_page holds what a driven page reads of each matching entity (its
-- id, the columns a condition or an order may test, and the ref key it is
-- sorted by), so that counting and sorting the matches of a filter reads
-- this narrow index instead of the entities table: at 100,000 APIs a filter
-- matching 667 of them looked each up in a 54 MB table whose pages do not
-- stay in a reader's cache, most of a by-query's time (store/plan.go).
-- SQLite keeps no statistics here, so the page query names it (INDEXED BY).
-- Ids only grow, so a load appends to it.
CREATE INDEX entities_page ON entities (id, kind, namespace, name, ref_key);
