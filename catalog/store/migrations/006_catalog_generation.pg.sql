-- The catalog's write generation on PostgreSQL, where several replicas
-- write one database: every statement that changes entities bumps it in
-- the writer's own transaction (a trigger, so that a replica still running
-- an older binary bumps it too), and a read snapshot reads it. A count
-- cached under a generation is then exactly the count of every snapshot
-- that reads that generation, and is reused until any replica writes, as
-- SQLite's in-process generation allows, instead of for 5 seconds
-- (store/query.go). Writers already take one advisory lock per
-- transaction (store/apply.go), so the row adds no contention. Search and
-- relation rows change only with their entity's row.
CREATE TABLE catalog_generation (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  generation BIGINT  NOT NULL
);
INSERT INTO catalog_generation (id, generation) VALUES (1, 1);
CREATE FUNCTION catalog_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER entities_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON entities
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_generation_bump();
