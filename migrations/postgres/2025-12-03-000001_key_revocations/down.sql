DROP TRIGGER api_keys_revoked ON api_keys;
DROP FUNCTION key_revocations_bump();
DROP TABLE key_revocations;
