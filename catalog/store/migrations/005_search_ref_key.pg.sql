-- search rows carry their entity's ref key (which never changes for an
-- entity id), and search_key_value orders each (key, value) run by it, so
-- that a default-ordered page of a filter walks its most selective
-- condition's run in ref-key order and stops after offset+limit matches
-- instead of looking every match up in entities_page to sort them
-- (store/plan.go). Probes of the other conditions seek by (key, value,
-- ref_key, entity_id). The index is dropped while the rows are rewritten
-- and built once after. The UPDATE leaves the old row versions as dead
-- space until autovacuum or the next bulk load's
-- VACUUM reclaims it; a migration runs in a transaction, where VACUUM
-- cannot.
DROP INDEX IF EXISTS search_key_value;
ALTER TABLE search ADD COLUMN ref_key TEXT NOT NULL DEFAULT '';
UPDATE search s SET ref_key = e.ref_key FROM entities e WHERE e.id = s.entity_id;
CREATE INDEX search_key_value ON search (key, value, ref_key, entity_id);
-- Replicas share a PostgreSQL database and are upgraded one at a time: a
-- replica still running the previous release inserts search rows without
-- a ref key, which would hide their entity from every filter that walks
-- or probes by it. The database fills it in for them.
CREATE FUNCTION search_fill_ref_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT e.ref_key INTO NEW.ref_key FROM entities e WHERE e.id = NEW.entity_id;
  NEW.ref_key := coalesce(NEW.ref_key, '');
  RETURN NEW;
END
$$;
CREATE TRIGGER search_ref_key BEFORE INSERT ON search
  FOR EACH ROW WHEN (NEW.ref_key = '') EXECUTE FUNCTION search_fill_ref_key();
