CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (due_at, seq)
    WHERE due_at IS NOT NULL;
DROP INDEX webhook_deliveries_due_by_webhook_idx;
