-- Dataset versions are immutable: once registered, nothing about a version may change.
-- (Deletion stays possible, so removing a dataset or project cascades.)
CREATE OR REPLACE FUNCTION dataset_versions_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'dataset versions are immutable (UPDATE refused)' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER dataset_versions_no_update BEFORE UPDATE ON dataset_versions
  FOR EACH ROW EXECUTE FUNCTION dataset_versions_refuse_update();
