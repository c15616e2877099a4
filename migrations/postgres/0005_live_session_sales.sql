ALTER TABLE "live_sessions" ADD COLUMN "sales_gross_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "live_sessions" ADD COLUMN "sales_orders" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The goal bar's running totals: every order counts while it is claiming (held, confirmed,
-- shipped, completed — CLAIMING in src/orders/order.ts) and belongs to a live session. Kept
-- here, next to the rows they sum, so that no write path (claims, releases, the waitlist, splits,
-- confirmations) can forget them. Orders and their lines are never deleted.
UPDATE live_sessions SET
	sales_orders = (SELECT count(*) FROM orders o WHERE o.live_session_id = live_sessions.id AND o.status IN ('held', 'confirmed', 'shipped', 'completed')),
	sales_gross_fen = (SELECT coalesce(sum(l.gross_fen), 0) FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.live_session_id = live_sessions.id AND o.status IN ('held', 'confirmed', 'shipped', 'completed'));
--> statement-breakpoint
CREATE FUNCTION order_claims_sales(o orders) RETURNS boolean AS $$
	SELECT o.live_session_id IS NOT NULL AND o.status IN ('held', 'confirmed', 'shipped', 'completed');
$$ LANGUAGE sql IMMUTABLE;
--> statement-breakpoint
CREATE FUNCTION orders_session_sales() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND order_claims_sales(OLD) THEN
		UPDATE live_sessions SET sales_orders = sales_orders - 1,
			sales_gross_fen = sales_gross_fen - (SELECT coalesce(sum(gross_fen), 0) FROM order_lines WHERE order_id = OLD.id)
		WHERE id = OLD.live_session_id;
	END IF;
	IF order_claims_sales(NEW) THEN
		UPDATE live_sessions SET sales_orders = sales_orders + 1,
			sales_gross_fen = sales_gross_fen + (SELECT coalesce(sum(gross_fen), 0) FROM order_lines WHERE order_id = NEW.id)
		WHERE id = NEW.live_session_id;
	END IF;
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER orders_session_sales_insert AFTER INSERT ON orders
	FOR EACH ROW EXECUTE FUNCTION orders_session_sales();
--> statement-breakpoint
CREATE TRIGGER orders_session_sales_update AFTER UPDATE OF status, live_session_id ON orders
	FOR EACH ROW WHEN (order_claims_sales(OLD) IS DISTINCT FROM order_claims_sales(NEW) OR OLD.live_session_id IS DISTINCT FROM NEW.live_session_id)
	EXECUTE FUNCTION orders_session_sales();
--> statement-breakpoint
CREATE FUNCTION order_lines_session_sales() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		UPDATE live_sessions SET sales_gross_fen = sales_gross_fen - OLD.gross_fen
		WHERE id = (SELECT live_session_id FROM orders o WHERE o.id = OLD.order_id AND order_claims_sales(o));
	END IF;
	UPDATE live_sessions SET sales_gross_fen = sales_gross_fen + NEW.gross_fen
	WHERE id = (SELECT live_session_id FROM orders o WHERE o.id = NEW.order_id AND order_claims_sales(o));
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER order_lines_session_sales AFTER INSERT OR UPDATE OF gross_fen, order_id ON order_lines
	FOR EACH ROW EXECUTE FUNCTION order_lines_session_sales();
