ALTER TABLE `live_sessions` ADD `sales_gross_fen` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `live_sessions` ADD `sales_orders` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The goal bar's running totals: every order counts while it is claiming (held, confirmed,
-- shipped, completed — CLAIMING in src/orders/order.ts) and belongs to a live session. Kept
-- here, next to the rows they sum, so that no write path (claims, releases, the waitlist, splits,
-- confirmations) can forget them. Orders and their lines are never deleted. An order is
-- counted with its first line (written right after it), so a claim costs one UPDATE here, not two
-- (measured: two cost some 12 % of the write path's orders/s, one about 5 %).
UPDATE `live_sessions` SET
	`sales_orders` = (SELECT count(*) FROM `orders` o WHERE o.`live_session_id` = `live_sessions`.`id` AND o.`status` IN ('held', 'confirmed', 'shipped', 'completed')),
	`sales_gross_fen` = (SELECT coalesce(sum(l.`gross_fen`), 0) FROM `orders` o JOIN `order_lines` l ON l.`order_id` = o.`id`
		WHERE o.`live_session_id` = `live_sessions`.`id` AND o.`status` IN ('held', 'confirmed', 'shipped', 'completed'));
--> statement-breakpoint
CREATE TRIGGER `orders_session_sales_update` AFTER UPDATE OF `status`, `live_session_id` ON `orders`
WHEN (OLD.`live_session_id` IS NOT NULL AND OLD.`status` IN ('held', 'confirmed', 'shipped', 'completed'))
	<> (NEW.`live_session_id` IS NOT NULL AND NEW.`status` IN ('held', 'confirmed', 'shipped', 'completed'))
	OR OLD.`live_session_id` IS NOT NEW.`live_session_id`
BEGIN
	UPDATE `live_sessions` SET `sales_orders` = `sales_orders` - 1,
		`sales_gross_fen` = `sales_gross_fen` - (SELECT coalesce(sum(`gross_fen`), 0) FROM `order_lines` WHERE `order_id` = OLD.`id`)
	WHERE `id` = OLD.`live_session_id` AND OLD.`status` IN ('held', 'confirmed', 'shipped', 'completed');
	UPDATE `live_sessions` SET `sales_orders` = `sales_orders` + 1,
		`sales_gross_fen` = `sales_gross_fen` + (SELECT coalesce(sum(`gross_fen`), 0) FROM `order_lines` WHERE `order_id` = NEW.`id`)
	WHERE `id` = NEW.`live_session_id` AND NEW.`status` IN ('held', 'confirmed', 'shipped', 'completed');
END;
--> statement-breakpoint
CREATE TRIGGER `order_lines_session_sales_insert` AFTER INSERT ON `order_lines`
BEGIN
	UPDATE `live_sessions` SET `sales_gross_fen` = `sales_gross_fen` + NEW.`gross_fen`,
		`sales_orders` = `sales_orders` + NOT EXISTS (SELECT 1 FROM `order_lines` WHERE `order_id` = NEW.`order_id` AND `id` <> NEW.`id`)
	WHERE `id` = (SELECT `live_session_id` FROM `orders` WHERE `id` = NEW.`order_id` AND `status` IN ('held', 'confirmed', 'shipped', 'completed'));
END;
--> statement-breakpoint
CREATE TRIGGER `order_lines_session_sales_update` AFTER UPDATE OF `gross_fen`, `order_id` ON `order_lines`
BEGIN
	UPDATE `live_sessions` SET `sales_gross_fen` = `sales_gross_fen` - OLD.`gross_fen`
	WHERE `id` = (SELECT `live_session_id` FROM `orders` WHERE `id` = OLD.`order_id` AND `status` IN ('held', 'confirmed', 'shipped', 'completed'));
	UPDATE `live_sessions` SET `sales_gross_fen` = `sales_gross_fen` + NEW.`gross_fen`
	WHERE `id` = (SELECT `live_session_id` FROM `orders` WHERE `id` = NEW.`order_id` AND `status` IN ('held', 'confirmed', 'shipped', 'completed'));
END;
