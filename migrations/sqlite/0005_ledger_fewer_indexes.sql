DROP INDEX `ledger_household`;--> statement-breakpoint
DROP INDEX `ledger_room`;