CREATE TABLE `confirmations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room_id` integer NOT NULL,
	`live_session_id` integer,
	`message_id` text NOT NULL,
	`chat_user_id` integer NOT NULL,
	`buyer_name` text NOT NULL,
	`text` text NOT NULL,
	`suggested_code` text,
	`suggested_qty` integer NOT NULL,
	`reason` text NOT NULL,
	`sent_at` integer NOT NULL,
	`status` text NOT NULL,
	`order_id` integer,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`live_session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`chat_user_id`) REFERENCES `chat_users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `confirmations_room_status` ON `confirmations` (`room_id`,`status`);--> statement-breakpoint
ALTER TABLE `order_lines` ADD `name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `buyer_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `origin` text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `external_ref` text;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_external_ref` ON `orders` (`room_id`,`external_ref`) WHERE "orders"."external_ref" is not null;