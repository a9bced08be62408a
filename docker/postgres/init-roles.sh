#!/bin/sh
# Runs once, when the data volume is first initialised (docker-entrypoint-initdb.d). Two roles,
# neither a superuser: app_owner owns the database and everything in it (the `migrate` release step
# connects as it); app, the role the replicas connect as, owns nothing and receives only what
# dist/database/run-migrations.js grants it (SELECT and INSERT on audit_events). The superuser
# (POSTGRES_USER) is for operators only.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$APP_OWNER_DB_PASSWORD" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE app_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
ALTER DATABASE :"DBNAME" OWNER TO app_owner;
SQL
