DROP TABLE push_jobs;
DROP TABLE device_registrations;
DROP TABLE wallet_clock;
ALTER TABLE passes DROP COLUMN wallet_tag;
