#!/usr/bin/env bash
# Fault drills against the real binary on 127.0.0.1 (docs/reliability.md §8):
#
#   bash bench/faults.sh colleagues   # six colleagues save one response for 20 s, PostgreSQL and SQLite
#   bash bench/faults.sh fulldisk     # the SQLite file on a 16 MB tmpfs that is then filled (needs root)
#   bash bench/faults.sh cutoff       # PostgreSQL stops accepting the server (CONNECT revoked, sessions ended)
#   bash bench/faults.sh pglock       # a save behind a table lock: a client that leaves, one that waits
#   bash bench/faults.sh sqlitelock   # a save behind another process's write lock on the SQLite file
#
# BIN=path/to/tracker runs a binary built elsewhere (e.g. from an older commit) instead of building
# this tree. PostgreSQL drills use PGADMIN (a role allowed to create databases; default the CI one)
# and create databases named tracker_faults_*. Every server is stopped when its drill ends.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${TRACKER_FAULTS_DIR:-/tmp/tracker-faults}
PGADMIN=${PGADMIN:-postgres://tracker@127.0.0.1:5432/postgres?sslmode=disable}
PGBASE=${PGADMIN%/postgres*}
mkdir -p "$DIR"
export TRACKER_DEMO_LOGINS=$DIR/demo-logins.txt # the demo seed's sign-ins, kept out of the working tree
if [ -z "${BIN:-}" ]; then
  go build -tags sqlite_fts5 -o "$DIR/tracker" .
  BIN=$DIR/tracker
fi
go build -tags sqlite_fts5 -o "$DIR/measure" ./bench/measure

PASSWORD='a long enough password for drills'
PID=
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi; }
trap 'stop; jobs -p | xargs -r kill 2>/dev/null || true' EXIT

# fresh_pg NAME: a new, seeded PostgreSQL database; prints its URL.
fresh_pg() {
  # A drill's sessions may take a moment to end (a lock holder's pg_sleep): try the drop a few times.
  for _ in 1 2 3 4 5; do psql "$PGADMIN" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >&2 && break; sleep 2; done
  psql "$PGADMIN" -qc "CREATE DATABASE $1" >&2
  "$BIN" seed -db "$PGBASE/$1?sslmode=disable" -demo >/dev/null
  echo "$PGBASE/$1?sslmode=disable"
}

# serve DB PORT: starts the server and waits for it.
serve() {
  "$BIN" serve -db "$1" -port "$2" -host 127.0.0.1 >"$DIR/serve-$2.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}

# member DB EMAIL: a member of FLB.
member() { printf '%s\n' "$PASSWORD" | "$BIN" user add -db "$1" -email "$2" -role member -org FLB -name 'Drill Member' -password-stdin >/dev/null; }

csrf() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'; }

# sign_in PORT EMAIL REF: signs in with cookie jar $DIR/jar and opens REF's form; sets T (CSRF) and V (version).
sign_in() {
  local b=http://127.0.0.1:$1
  rm -f "$DIR/jar"
  T=$(curl -s -c "$DIR/jar" -b "$DIR/jar" "$b/login" | csrf)
  curl -s -o /dev/null -c "$DIR/jar" -b "$DIR/jar" --data-urlencode "_csrf=$T" --data-urlencode "email=$2" \
    --data-urlencode "password=$PASSWORD" "$b/login"
  local p
  p=$(curl -s -c "$DIR/jar" -b "$DIR/jar" "$b/proposals/$3")
  T=$(echo "$p" | csrf)
  V=$(echo "$p" | grep -o 'name="version" value="[0-9]*"' | grep -o '[0-9]*')
}

# save PORT REF COMMENT MAXTIME: posts the form; prints "STATUS after Ts"; the page goes to $DIR/page.html.
save() {
  rm -f "$DIR/page.html"
  curl -s -o "$DIR/page.html" -w '%{http_code} after %{time_total}s' --max-time "$4" -b "$DIR/jar" \
    --data-urlencode "_csrf=$T" --data-urlencode "version=$V" --data-urlencode stance=oppose --data-urlencode autonomy=-1 \
    --data-urlencode consent=private --data-urlencode action=submit --data-urlencode "comment=$3" \
    "http://127.0.0.1:$1/proposals/$2/response" || true
}

# said COMMENT: what the answer page said, and whether it shows the text typed.
said() {
  grep -o 'The server cannot save right now[^<]*\|The server took too long[^<]*\|Something went wrong on our side[^<]*' "$DIR/page.html" 2>/dev/null | head -1 || true
  echo "typed text on the page: $(grep -c -F "$1" "$DIR/page.html" 2>/dev/null || true)"
}

case "${1:-}" in
colleagues)
  db=$(fresh_pg tracker_faults_colleagues)
  serve "$db" 3931
  echo "== PostgreSQL"; "$DIR/measure" colleagues -url http://127.0.0.1:3931 -db "$db" -colleagues 6 -seconds 20
  stop
  rm -f "$DIR"/colleagues.db*
  "$BIN" seed -db "$DIR/colleagues.db" -demo >/dev/null
  serve "$DIR/colleagues.db" 3932
  echo "== SQLite"; "$DIR/measure" colleagues -url http://127.0.0.1:3932 -db "$DIR/colleagues.db" -colleagues 6 -seconds 20
  ;;
fulldisk)
  fs=$DIR/small
  mkdir -p "$fs"
  mountpoint -q "$fs" || mount -t tmpfs -o size=16m tmpfs "$fs"
  trap 'stop; rm -f "$fs/fill"; umount "$fs" 2>/dev/null || true' EXIT
  rm -f "$fs"/*
  "$BIN" seed -db "$fs/t.db" -demo >/dev/null
  member "$fs/t.db" drill@flb.example
  serve "$fs/t.db" 3933
  sign_in 3933 drill@flb.example LP-01
  dd if=/dev/zero of="$fs/fill" bs=1M 2>/dev/null || true
  df -h "$fs" | tail -1
  c="Typed on a full disk: our board opposes this proposal."
  echo "save on the full disk: $(save 3933 LP-01 "$c" 30)"; said "$c"
  echo "page read on the full disk: $(curl -s -o /dev/null -w '%{http_code}' -b "$DIR/jar" http://127.0.0.1:3933/proposals/LP-01)"
  rm -f "$fs/fill"
  echo "the same save after space was freed: $(save 3933 LP-01 "$c" 30)"
  ;;
cutoff)
  db=$(fresh_pg tracker_faults_cutoff)
  member "$db" drill@flb.example
  serve "$db" 3934
  sign_in 3934 drill@flb.example LP-04
  psql "$PGADMIN" -qAtc "REVOKE CONNECT ON DATABASE tracker_faults_cutoff FROM PUBLIC, CURRENT_USER" \
    -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'tracker_faults_cutoff'" | sed 's/^/sessions ended: /'
  c="Typed while PostgreSQL was away."
  for _ in 1 2; do echo "save with the database cut off: $(save 3934 LP-04 "$c" 30)"; said "$c"; done
  echo "a page: $(curl -s -o /dev/null -w '%{http_code}' -b "$DIR/jar" http://127.0.0.1:3934/consultations)"
  psql "$PGADMIN" -qc "GRANT CONNECT ON DATABASE tracker_faults_cutoff TO PUBLIC"
  ;;
pglock)
  db=$(fresh_pg tracker_faults_lock)
  member "$db" drill@flb.example
  serve "$db" 3935
  sign_in 3935 drill@flb.example LP-02
  psql "$db" -qc "BEGIN; LOCK TABLE responses IN EXCLUSIVE MODE; SELECT pg_sleep(90); COMMIT;" >/dev/null &
  sleep 2
  c="Typed while the table was locked."
  echo "a client that leaves after 2 s: $(save 3935 LP-02 "$c" 2)"
  sleep 1
  echo "saves still waiting in PostgreSQL 1 s later: $(psql "$db" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")"
  echo "a client that waits up to 45 s: $(save 3935 LP-02 "$c" 45)"; said "$c"
  grep -E 'client went away|deadline passed' "$DIR/serve-3935.log" | cut -c1-200 || true
  # How soon the server notices: five clients that each leave 1 s after sending.
  : >"$DIR/sent"
  for i in 1 2 3 4 5; do
    date -u +%H:%M:%S.%N >>"$DIR/sent"
    save 3935 LP-02 "try $i" 1 >/dev/null
    sleep 1
  done
  sleep 1
  grep 'client went away' "$DIR/serve-3935.log" | tail -5 | grep -o 'time=[^ ]*' | sed 's/time=.*T//;s/Z//' >"$DIR/noticed"
  paste "$DIR/sent" "$DIR/noticed" | python3 -c '
import sys
def secs(t): h, m, s = t.split(":"); return int(h)*3600 + int(m)*60 + float(s[:12])
for line in sys.stdin:
    sent, noticed = line.split()
    print("client left 1 s after %s; the server noticed %.0f ms after it left" % (sent[:12], (secs(noticed) - secs(sent) - 1) * 1000))'
  ;;
sqlitelock)
  rm -f "$DIR"/lock.db*
  "$BIN" seed -db "$DIR/lock.db" -demo >/dev/null
  member "$DIR/lock.db" drill@flb.example
  serve "$DIR/lock.db" 3936
  sign_in 3936 drill@flb.example LP-03
  python3 -c "import sqlite3,time; c=sqlite3.connect('$DIR/lock.db', isolation_level=None); c.execute('BEGIN IMMEDIATE'); time.sleep(30)" &
  sleep 2
  c="Typed behind the lock of another process."
  echo "save behind the other process's lock: $(save 3936 LP-03 "$c" 45)"; said "$c"
  ;;
*)
  sed -n '2,12p' "$0"; exit 2
  ;;
esac
