DROP TABLE idempotency_keys;
DROP TABLE pass_events;
DROP TABLE passes;
DROP TABLE templates;
DROP TABLE api_keys;
DROP TABLE accounts;
