DROP TABLE dev_identity;
DROP TABLE signing_identities;
ALTER TABLE accounts DROP COLUMN live_pass_count;
