#!/bin/bash
# Usage: docs/measure/signin-writes.sh BINARY PORT   (loopback only)
# Starts the binary on 127.0.0.1:PORT with a fresh SQLite database, sends
# 10 sign-ins with a 300 KB email and 30 anonymous views of /login, and
# reports the growth of the database (file + WAL), of the log, and of the
# sessions table. Bounded: 10 + 30 requests, 5 s timeout each.
set -u
BIN=$1; PORT=$2
W=$(mktemp -d); cd "$W"
"$BIN" migrate -db "$W/t.db" >/dev/null 2>&1
"$BIN" serve -host 127.0.0.1 -port "$PORT" -db "$W/t.db" >"$W/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$W"' EXIT
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
size() { du -cb "$W"/t.db* | tail -1 | cut -f1; }
rows() { sqlite3 "file:$W/t.db?mode=ro" "SELECT (SELECT COUNT(*) FROM sessions)||' sessions, '||(SELECT COUNT(*) FROM login_failures)||' throttle rows, '||(SELECT COUNT(*) FROM audit_log)||' audit rows'"; }
python3 -c "print('x'*(300*1024)+'@trust.example', end='')" > "$W/email"
db0=$(size); log0=$(stat -c %s "$W/log"); echo "before: db $db0 B, log $log0 B; $(rows)"
for i in $(seq 10); do
  rm -f "$W/jar"
  page=$(curl -s -m 5 -c "$W/jar" "http://127.0.0.1:$PORT/login")
  csrf=$(printf '%s' "$page" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -b "$W/jar" --data-urlencode "_csrf=$csrf" --data-urlencode "email@$W/email" --data-urlencode "password=not the password" "http://127.0.0.1:$PORT/login")
  printf '%s ' "$code"
done; echo
sleep 1
db1=$(size); log1=$(stat -c %s "$W/log"); echo "after 10 sign-ins with a 300 KB email: db +$((db1-db0)) B, log +$((log1-log0)) B; $(rows)"
s0=$(sqlite3 "file:$W/t.db?mode=ro" "SELECT COUNT(*) FROM sessions")
for i in $(seq 30); do curl -s -m 5 -o /dev/null "http://127.0.0.1:$PORT/login"; done
sleep 1
s1=$(sqlite3 "file:$W/t.db?mode=ro" "SELECT COUNT(*) FROM sessions")
echo "30 anonymous GET /login: sessions $s0 -> $s1"
