-- The list benchmark's dataset: :rows passes of the bench account in test mode,
-- generated in one INSERT ... SELECT generate_series into the table and columns of
-- migrations/postgres. Ids look like the server's (prefix + 24 base62 characters,
-- random, so the primary key index sees random inserts as it does in service);
-- short_id and serial_number are unique by construction. `seq` (identity) grows with
-- g, so the generated passes are the newest, created one second apart.
-- psql variables: acct, tmpl, rows.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET statement_timeout = '480s';
INSERT INTO passes (id, account_id, mode, template_id, short_id, serial_number,
                    auth_token, holder_email, holder_name, field_values, metadata,
                    voided_at, created_via_api, created_at, updated_at, version)
SELECT 'pass_' || substr(translate(encode(sha256(convert_to('pass-' || g, 'UTF8')), 'base64'), '+/=', 'XYZ'), 1, 24),
       :'acct', 'test', :'tmpl',
       'g' || lpad(to_hex(g), 11, '0'),
       'SN' || lpad(g::text, 22, '0'),
       substr(translate(encode(sha256(convert_to('auth-' || g, 'UTF8')), 'base64'), '+/=', 'XYZ'), 1, 32),
       'holder' || (g % 100000) || '@example.com',
       'Holder ' || g,
       jsonb_build_object('seatNumber', 'A' || (g % 500)),
       jsonb_build_object('order_id', 'ord_' || g, 'source', 'dataset'),
       NULL, (g % 10) <> 0,
       ts, ts, 1
FROM generate_series(1, :rows) AS g,
     LATERAL (SELECT now() - make_interval(secs => (:rows - g)) AS ts) AS t;
