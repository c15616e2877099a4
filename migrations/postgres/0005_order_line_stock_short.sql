ALTER TABLE "order_lines" ADD COLUMN "stock_short" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_live_session" ON "orders" USING btree ("live_session_id","status");