-- A counter that moves with every revocation of an API key, so that each serving
-- process can notice a revocation by reading one row (docs/api.md §1).
CREATE TABLE key_revocations (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
) STRICT;

INSERT INTO key_revocations (id, generation) VALUES (1, 0);

CREATE TRIGGER api_keys_revoked
    AFTER UPDATE OF revoked_at ON api_keys
    FOR EACH ROW
    WHEN OLD.revoked_at IS NOT NEW.revoked_at
BEGIN
    UPDATE key_revocations SET generation = generation + 1 WHERE id = 1;
END;
