DROP INDEX webhook_deliveries_event_idx;
DROP INDEX pass_events_created_idx;
