-- search rows carry their entity's ref key (which never changes for an
-- entity id), and search_key_value orders each (key, value) run by it, so
-- that a default-ordered page of a filter walks its most selective
-- condition's run in ref-key order and stops after offset+limit matches,
-- and a kind condition is a ref-key range ("api:" up to "api;", a kind
-- being letters and digits), instead of looking every match up in
-- entities_page to sort them (store/plan.go). Probes of the other
-- conditions seek by (key, value, ref_key, entity_id). Same number of
-- indexes as before, for a bulk load to build at its end (store/bulk.go).
DROP INDEX IF EXISTS search_key_value;
ALTER TABLE search ADD COLUMN ref_key TEXT NOT NULL DEFAULT '';
UPDATE search SET ref_key = coalesce((SELECT e.ref_key FROM entities e WHERE e.id = search.entity_id), '');
CREATE INDEX search_key_value ON search (key, value, ref_key, entity_id);
-- A binary of the release before this one, started on this database (a
-- rollback), inserts search rows without a ref key, which would hide their
-- entity from every filter that walks or probes by it: the database fills
-- the key in.
CREATE TRIGGER search_ref_key AFTER INSERT ON search WHEN NEW.ref_key = ''
BEGIN
  UPDATE search SET ref_key = coalesce((SELECT e.ref_key FROM entities e WHERE e.id = NEW.entity_id), '')
  WHERE rowid = NEW.rowid;
END;
