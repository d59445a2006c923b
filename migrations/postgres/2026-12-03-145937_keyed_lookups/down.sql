DROP INDEX device_registrations_device_idx;
CREATE INDEX device_registrations_device_idx
    ON device_registrations (device_library_id, pass_type_id, pass_id);
CREATE INDEX device_registrations_pass_idx ON device_registrations (pass_id, seq);

ALTER TABLE device_registrations
    DROP CONSTRAINT device_registrations_pkey,
    ADD CONSTRAINT device_registrations_pkey PRIMARY KEY (device_library_id, pass_id);
