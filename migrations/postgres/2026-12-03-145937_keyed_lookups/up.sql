-- A device registration is found by its key, (device, pass), through its primary
-- key whatever the statistics say: no other index may serve either half of the
-- key. The primary key leads with the pass, and so also serves a pass's
-- registrations (the push fan-out, `registrations_of`, the cascade of a pass
-- delete: a pass has few, sorted by `seq` as read); the index of a device's
-- passes under a pass type (`updated_serials`) leads with the pass type.

ALTER TABLE device_registrations
    DROP CONSTRAINT device_registrations_pkey,
    ADD CONSTRAINT device_registrations_pkey PRIMARY KEY (pass_id, device_library_id);

DROP INDEX device_registrations_pass_idx;
DROP INDEX device_registrations_device_idx;
CREATE INDEX device_registrations_device_idx
    ON device_registrations (pass_type_id, device_library_id, pass_id);
