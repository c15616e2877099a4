CREATE TABLE `policy_learned_questions` (
	`entry_id` text NOT NULL,
	`question` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`entry_id`, `question`),
	FOREIGN KEY (`entry_id`) REFERENCES `policy_entries`(`id`) ON UPDATE no action ON DELETE no action
);
