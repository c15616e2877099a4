-- The attribution ledger is append-only: corrections are reversing entries, never edits.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
BEGIN
	RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
	FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
