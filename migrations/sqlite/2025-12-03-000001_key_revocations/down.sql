DROP TRIGGER api_keys_revoked;
DROP TABLE key_revocations;
