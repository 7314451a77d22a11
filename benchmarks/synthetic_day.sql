-- A synthetic election day on top of the national seed, for sizing backups and restores only
-- (docs/deployment.md, "Restore drill"): every polling area reports the six turnout windows,
-- every (polling area, level) has a tally sheet with a vote count for each candidate, and
-- each of those rows has one audit event. It writes the tables directly, bypassing the
-- rules and the services: NEVER run it on a real election's database.
--
--   baucu seed national --database-url postgresql+psycopg://OWNER:PASSWORD@HOST/DB
--   psql "postgresql://OWNER@HOST/DB" -X -f benchmarks/synthetic_day.sql
\set ON_ERROR_STOP on

BEGIN;
INSERT INTO turnout_report (election_id, polling_area_id, window_id, voted_total, version,
    confirmed_warnings, on_behalf, created_at, updated_at)
SELECT pa.election_id, pa.id, w.id,
       pa.registered_total * f.pct / 100, 1, '[]'::jsonb, false,
       w.opens_at + interval '20 minutes', w.opens_at + interval '20 minutes'
FROM polling_area pa
JOIN reporting_window w ON w.election_id = pa.election_id
JOIN (VALUES ('0900', 30), ('1100', 55), ('1300', 75), ('1500', 90), ('1700', 98), ('1900', 99))
     AS f(key, pct) ON f.key = w.key;
INSERT INTO tally_sheet (election_id, polling_area_id, constituency_id, level, voters_total,
    voters_voted, ballots_issued, ballots_received, ballots_valid, ballots_invalid, version,
    confirmed_warnings, on_behalf, created_at, updated_at, counted)
SELECT pa.election_id, pa.id, ca.constituency_id, ca.level, pa.registered_total,
       pa.registered_total * 99 / 100, pa.registered_total * 99 / 100,
       pa.registered_total * 99 / 100, pa.registered_total * 98 / 100,
       pa.registered_total * 99 / 100 - pa.registered_total * 98 / 100, 1, '[]'::jsonb, false,
       now(), now(), true
FROM constituency_area ca JOIN polling_area pa ON pa.id = ca.polling_area_id;
INSERT INTO tally_vote (sheet_id, candidate_id, votes)
SELECT s.id, c.id, s.ballots_valid * greatest(5, 95 - 12 * c.ballot_order) / 100
FROM tally_sheet s JOIN candidate c ON c.constituency_id = s.constituency_id;
INSERT INTO audit_event (election_id, at, username, role, address, action, object_type,
    object_key, unit_path, before, after)
SELECT t.election_id, t.created_at, 'xa_' || u.code, 'commune', '10.0.0.1', 'turnout.create',
       'turnout_report', pa.code || '/' || w.key, u.path, NULL,
       jsonb_build_object('voted_total', t.voted_total, 'version', 1)
FROM turnout_report t JOIN polling_area pa ON pa.id = t.polling_area_id
JOIN unit u ON u.id = pa.unit_id JOIN reporting_window w ON w.id = t.window_id;
INSERT INTO audit_event (election_id, at, username, role, address, action, object_type,
    object_key, unit_path, before, after)
SELECT s.election_id, s.created_at, 'xa_' || u.code, 'commune', '10.0.0.1', 'tally.create',
       'tally_sheet', pa.code || '/' || s.level, u.path, NULL,
       jsonb_build_object('voters_voted', s.voters_voted, 'ballots_valid', s.ballots_valid,
                          'version', 1)
FROM tally_sheet s JOIN polling_area pa ON pa.id = s.polling_area_id
JOIN unit u ON u.id = pa.unit_id;
UPDATE election SET data_version = data_version + 1;
COMMIT;
ANALYZE turnout_report, tally_sheet, tally_vote, audit_event;
SELECT pg_size_pretty(pg_database_size(current_database())) AS size;
