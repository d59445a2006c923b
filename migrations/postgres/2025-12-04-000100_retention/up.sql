-- Retention (docs/api.md §10). Events older than PASSMINT_EVENT_RETENTION are
-- deleted oldest first, in small batches, through `pass_events_created_idx`. An
-- event a delivery refers to stays until the delivery goes: the batch checks the
-- reference, and so does the foreign key of every deleted event, both through
-- `webhook_deliveries_event_idx` (without it each deleted event would scan the
-- deliveries).
CREATE INDEX pass_events_created_idx ON pass_events (created_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
