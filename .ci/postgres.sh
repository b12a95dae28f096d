#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages (if needed), starts a cluster
# that listens on loopback only, creates a role allowed to create databases,
# and prints the URL to put in TRACKER_TEST_DATABASE_URL. Safe to run twice.
#
#   export TRACKER_TEST_DATABASE_URL=$(bash .ci/postgres.sh)
set -euo pipefail

PGPORT=${PGPORT:-5432}
ROLE=${PGROLE:-tracker}
CLUSTER=${TRACKER_PG_CLUSTER:-main}

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

VERSION=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
  log "creating cluster $VERSION/$CLUSTER"
  pg_createcluster "$VERSION" "$CLUSTER" -p "$PGPORT" >&2
fi

# Loopback only (Debian's postgresql.conf includes conf.d/); the test role
# is trusted over TCP from 127.0.0.1 only: this is a CI database.
# Each test creates and drops a database: without fsync that takes tens of
# milliseconds instead of seconds. Never do this for a database you keep.
CONF_FILE=/etc/postgresql/$VERSION/$CLUSTER/conf.d/tracker-ci.conf
# TRACKER_PG_DURABLE=1 keeps PostgreSQL's durable defaults (bench/load.sh measures
# with them, in a cluster of its own).
NEW_CONF="listen_addresses = '127.0.0.1'
port = $PGPORT"
if [ "${TRACKER_PG_DURABLE:-0}" != 1 ]; then
  NEW_CONF="$NEW_CONF
fsync = off
synchronous_commit = off
full_page_writes = off"
fi
RESTART=0
if [ "$(cat "$CONF_FILE" 2>/dev/null)" != "$NEW_CONF" ]; then
  printf '%s\n' "$NEW_CONF" > "$CONF_FILE"
  RESTART=1
fi
HBA=/etc/postgresql/$VERSION/$CLUSTER/pg_hba.conf
if ! grep -q "tracker-ci" "$HBA"; then
  sed -i "1i host all $ROLE 127.0.0.1/32 trust # tracker-ci" "$HBA"
fi

if pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
  if [ "$RESTART" = 1 ]; then
    pg_ctlcluster "$VERSION" "$CLUSTER" restart >&2
  else
    pg_ctlcluster "$VERSION" "$CLUSTER" reload >&2
  fi
else
  log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PGPORT"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 30); do
  if su postgres -c "psql -p $PGPORT -qAtc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
su postgres -c "psql -p $PGPORT -qAtc \"DO \\\$\\\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') THEN CREATE ROLE $ROLE LOGIN CREATEDB; END IF;
END \\\$\\\$\"" >&2

echo "postgres://$ROLE@127.0.0.1:$PGPORT/postgres?sslmode=disable"
