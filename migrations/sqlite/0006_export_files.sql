CREATE TABLE `export_files` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`bytes` blob NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL
);
