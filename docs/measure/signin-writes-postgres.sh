#!/bin/bash
# Usage: docs/measure/signin-writes-postgres.sh BINARY PORT DBNAME   (loopback only)
# The same as signin-writes.sh on PostgreSQL: creates DBNAME (dropped at the
# end), starts the binary on it, sends 10 sign-ins with a 300 KB email and
# 30 anonymous views of /login, and reports the size and rows of the tables
# a stranger could grow. PG names the server (a role that may create databases).
set -u
BIN=$1; PORT=$2; DB=$3
PG=${PG:-postgres://tracker@127.0.0.1:5432}
W=$(mktemp -d); PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$W"' EXIT
python3 -c "print('x'*(300*1024)+'@trust.example', end='')" > "$W/email"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -qc "CREATE DATABASE $DB" >/dev/null
"$BIN" serve -host 127.0.0.1 -port "$PORT" -db "$PG/$DB?sslmode=disable" >"$W/log" 2>&1 &
PID=$!
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
q() { psql "$PG/$DB" -Atc "$1"; }
curl -s -o /dev/null "http://127.0.0.1:$PORT/login"   # first view: the server secret (new binary)
sleep 1; q "CHECKPOINT" >/dev/null 2>&1
sz() { q "SELECT pg_total_relation_size('sessions')+pg_total_relation_size('login_failures')+pg_total_relation_size('audit_log')"; }
s0=$(sz); r0=$(q "SELECT (SELECT COUNT(*) FROM sessions)||' sessions, '||(SELECT COUNT(*) FROM login_failures)||' throttle rows, '||(SELECT COUNT(*) FROM audit_log)||' audit rows'")
for i in $(seq 10); do
  rm -f "$W/jar"
  csrf=$(curl -s -m 5 -c "$W/jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -m 5 -o /dev/null -w '%{http_code} ' -b "$W/jar" --data-urlencode "_csrf=$csrf" --data-urlencode "email@$W/email" --data-urlencode "password=not the password" "http://127.0.0.1:$PORT/login"
done; echo
for i in $(seq 30); do curl -s -m 5 -o /dev/null "http://127.0.0.1:$PORT/login"; done
sleep 1
s1=$(sz); r1=$(q "SELECT (SELECT COUNT(*) FROM sessions)||' sessions, '||(SELECT COUNT(*) FROM login_failures)||' throttle rows, '||(SELECT COUNT(*) FROM audit_log)||' audit rows'")
echo "sessions+login_failures+audit_log: $s0 B ($r0) -> $s1 B ($r1)"
kill $PID; wait $PID 2>/dev/null; PID=
psql "$PG/postgres" -qc "DROP DATABASE $DB" >/dev/null
