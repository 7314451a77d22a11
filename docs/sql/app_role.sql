-- Least privilege for the app servers' database role (docs/deployment.md, "Database roles").
--
-- Run it as the OWNER role (the one that runs `baucu db upgrade` and owns the tables),
-- connected to the election database, once the app role exists and again after every
-- `baucu db upgrade`; a second run changes nothing:
--
--   psql "postgresql://baucu_owner@db1/baucu" -v ON_ERROR_STOP=1 -v app_role=baucu_app \
--        -f docs/sql/app_role.sql
--
-- The app role reads and writes every table except two: the audit log, which it may only
-- read and append to (the append-only trigger refuses UPDATE and DELETE to every role;
-- without these privileges the app role is refused before the trigger, and TRUNCATE,
-- which no row trigger sees, is refused too), and the migration bookkeeping, which it
-- may only read. It owns nothing, so it cannot ALTER, DROP or disable triggers, and it
-- cannot create objects in the schema.
-- tests/cli/test_deployment_grants.py applies this file as written.

\set ON_ERROR_STOP on

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_role";

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

REVOKE ALL ON audit_event FROM :"app_role";
GRANT SELECT, INSERT ON audit_event TO :"app_role";

SELECT to_regclass('alembic_version') IS NOT NULL AS migrated \gset
\if :migrated
REVOKE ALL ON alembic_version FROM :"app_role";
GRANT SELECT ON alembic_version TO :"app_role";
\endif

-- Tables and sequences that later migrations create (as the owner) get the same grants;
-- still run this file after each upgrade, in case a migration rebuilds audit_event.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
