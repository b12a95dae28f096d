#!/usr/bin/env bash
# Load test on a generated consultation of 1,000,000 submitted responses.
#
#   bash bench/load.sh            # DURATION=15 seconds per wrk run, 32 connections
#
# It builds the binary, generates the dataset once into $TRACKER_BENCH_DIR
# (default /tmp/tracker-bench; about 1.5 GB), copies it, starts the server
# on 127.0.0.1 only, signs in as the demo policy account (password, then the
# two-factor code from 'tracker user code'), and then measures, each run
# bounded in time: start-up; a trivial handler (GET /healthz, which runs
# SELECT 1) as the baseline; the JSON summary with and without filters; the
# HTML summary; the overview; CSV export of every response; submissions over
# HTTP from 16 members against the raw SQLite commit rate; CSV import of the
# million rows against a bare INSERT loop; and the server's resident memory.
# It prints a table (also written to $DIR/results.md). Nothing leaves loopback.
#
#   READING_ONLY=1 bash bench/load.sh
#
# measures only the trivial handler and the reading view (GET
# /proposals/LP-01/responses): its first page and a late one (the 1,000th
# page, or the last where the filter leaves fewer), without and with
# filters; the late pages' cursors are found beforehand by walking the pages
# (bench/measure reading-cursor). Results go to $DIR/results-reading.md.
#
#   POSTGRES=1 bash bench/load.sh
#
# runs the same against PostgreSQL instead: a cluster of its own on
# 127.0.0.1:5433 with PostgreSQL's durable defaults (.ci/postgres.sh with
# TRACKER_PG_DURABLE=1), the dataset loaded once into database tracker_bench_gen and
# copied for each run; the raw commit rate is PostgreSQL's, and the import
# comparison (bare INSERT loop into SQLite) is skipped. Results go to
# $DIR/results-postgres.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${TRACKER_BENCH_DIR:-/tmp/tracker-bench}
DURATION=${DURATION:-15}
CONNS=${CONNS:-32}
PORT=${PORT:-3917}
ORGS=${ORGS:-50000}
SKIP_IMPORT=${SKIP_IMPORT:-0}
POSTGRES=${POSTGRES:-0}
READING_ONLY=${READING_ONLY:-0}
BASE=http://127.0.0.1:$PORT
mkdir -p "$DIR"
GEN=$DIR/gen-$((ORGS * 20)).db
DB=$DIR/load.db
RESULTS=$DIR/results.md
if [ "$POSTGRES" = 1 ]; then
  RESULTS=$DIR/results-postgres.md
  SKIP_IMPORT=1
fi
if [ "$READING_ONLY" = 1 ]; then
  RESULTS=${RESULTS%.md}-reading.md
fi

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

echo "== build"
go build -tags sqlite_fts5 -o "$DIR/tracker" .
go build -tags sqlite_fts5 -o "$DIR/measure" ./bench/measure
go build -tags sqlite_fts5 -o "$DIR/gen" ./bench/gen
if [ ! -f "$GEN" ]; then
  echo "== generate $GEN"
  "$DIR/gen" -db "$GEN" -orgs "$ORGS" -proposals 20 -seed 1
fi

if [ "$POSTGRES" = 1 ]; then
  echo "== PostgreSQL: a durable cluster on 127.0.0.1:5433, the dataset loaded once"
  ADMIN_URL=$(PGPORT=5433 TRACKER_PG_CLUSTER=bench TRACKER_PG_DURABLE=1 bash .ci/postgres.sh)
  PGBASE=${ADMIN_URL%/postgres*}
  GEN_URL="$PGBASE/tracker_bench_gen?sslmode=disable"
  DB="$PGBASE/tracker_bench?sslmode=disable"
  sql() { psql "$ADMIN_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
  if [ "$(sql "SELECT 1 FROM pg_database WHERE datname = 'tracker_bench_gen'")" != 1 ] ||
     [ "$(psql "$GEN_URL" -qAtX -c "SELECT count(*) >= $ORGS FROM organisations" 2>/dev/null)" != t ]; then
    sql "DROP DATABASE IF EXISTS tracker_bench_gen"
    sql "CREATE DATABASE tracker_bench_gen"
    "$DIR/gen" -db "$GEN" -orgs "$ORGS" -proposals 20 -seed 1 -postgres "$GEN_URL"
  fi
  echo "== copy the dataset and add the demo accounts"
  sql "DROP DATABASE IF EXISTS tracker_bench"
  sql "CREATE DATABASE tracker_bench TEMPLATE tracker_bench_gen"
else
  echo "== copy the dataset and add the demo accounts"
  rm -f "$DB" "$DB-wal" "$DB-shm"
  cp "$GEN" "$DB"
fi
rm -f "$DIR/logins.txt"
TRACKER_DEMO_LOGINS=$DIR/logins.txt "$DIR/tracker" seed -db "$DB" -demo >/dev/null
PASSWORD=$(awk '$1=="policy@tracker.example" {print $2}' "$DIR/logins.txt")

# The reading view's filtered runs, and the cursor of a late page of each,
# found before the server starts by walking the pages in-process.
READING_FILTERED="region=London&quotable=yes&amendments=yes&sort=organisation"
READING_STANCE="type=acute&stance=oppose&not_coded=yes&sort=stance"
reading_cursor() { # query → "cursor page" of the 1,000th page or the last
  echo "query: $1" >>"$DIR/reading-cursors.txt"
  "$DIR/measure" reading-cursor -db "$DB" -ref LP-01 -query "$1" -pages 1000 | tee -a "$DIR/reading-cursors.txt" |
    awk -F': ' '$1=="cursor" {c=$2} $1=="page" {p=$2} END {print c, p}'
}
echo "== reading view: walk to a late page of each run"
: >"$DIR/reading-cursors.txt"
read -r LATE_ALL LATE_ALL_PAGE < <(reading_cursor "sort=submitted")
read -r LATE_FILTERED LATE_FILTERED_PAGE < <(reading_cursor "$READING_FILTERED")
read -r LATE_STANCE LATE_STANCE_PAGE < <(reading_cursor "$READING_STANCE")

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

echo "== start the server"
if curl -s -o /dev/null "$BASE/healthz"; then
  echo "something already answers on $BASE: stop it or set PORT"
  exit 1
fi
sync
T0=$(date +%s%N)
"$DIR/tracker" serve -db "$DB" -host 127.0.0.1 -port "$PORT" -log json >"$DIR/server.out" 2>"$DIR/server.log" &
SERVER_PID=$!
until curl -sf -o /dev/null "$BASE/healthz"; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DIR/server.log"; exit 1; }
  sleep 0.01
done
STARTUP_MS=$(( ($(date +%s%N) - T0) / 1000000 ))
READY=$(grep -o 'ready in [^)]*' "$DIR/server.out" || true)

echo "== sign in as the policy team"
JAR=$DIR/cookies.txt
rm -f "$JAR"
csrf() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
TOKEN=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login" | csrf)
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "email=policy@tracker.example" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "_csrf=$TOKEN" "$BASE/login"
TOKEN=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login/2fa" | csrf)
CODE=$("$DIR/tracker" user code -db "$DB" -email policy@tracker.example)
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "code=$CODE" --data-urlencode "_csrf=$TOKEN" "$BASE/login/2fa"
COOKIE=$(awk '$6=="tracker_session" {print $7}' "$JAR")
[ -n "$COOKIE" ] || { echo "sign-in failed: no session cookie"; exit 1; }
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: tracker_session=$COOKIE" "$BASE/api/v1/proposals/LP-01/summary")
[ "$STATUS" = 200 ] || { echo "sign-in failed: the summary answers $STATUS"; exit 1; }
CONS=$(curl -s -H "Cookie: tracker_session=$COOKIE" "$BASE/api/v1/consultations" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)

rss() { ps -o rss= -p "$SERVER_PID" | awk '{printf "%d", $1/1024}'; }
peak() { awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$SERVER_PID/status"; }

printf '| measure | median | p99 | requests/s | vs trivial | server RSS MB |\n|---|---:|---:|---:|---:|---:|\n' >"$RESULTS"
BASELINE=
run_wrk() { # name path
  local name=$1 path=$2 out rps p50 p99 ratio
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Cookie: tracker_session=$COOKIE" "$BASE$path")
  if echo "$out" | grep -q "Non-2xx"; then echo "$out"; echo "non-2xx answers for $path"; exit 1; fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  [ -z "$BASELINE" ] && BASELINE=$rps
  ratio=$(awk -v a="$rps" -v b="$BASELINE" 'BEGIN {printf "%.2f", a/b}')
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$p50" "$p99" "$rps" "$ratio" "$(rss)" | tee -a "$RESULTS"
}

echo "== wrk: $CONNS connections, ${DURATION}s each"
run_wrk "trivial handler: GET /healthz" "/healthz"
if [ "$READING_ONLY" != 1 ]; then
  run_wrk "JSON summary, no filter" "/api/v1/proposals/LP-01/summary"
  run_wrk "JSON summary, type=acute&region=London" "/api/v1/proposals/LP-01/summary?type=acute&region=London"
  run_wrk "JSON summary, system_status=stp" "/api/v1/proposals/LP-12/summary?system_status=stp"
  run_wrk "HTML summary, no filter" "/proposals/LP-01/summary"
  run_wrk "HTML summary, type=mental_health" "/proposals/LP-01/summary?type=mental_health"
  run_wrk "overview, no filter" "/consultations/$CONS/overview"
  run_wrk "overview, region=Midlands" "/consultations/$CONS/overview?region=Midlands"
fi
READING=/proposals/LP-01/responses
run_wrk "reading view, no filter, first page" "$READING?sort=submitted"
run_wrk "reading view, no filter, page $LATE_ALL_PAGE" "$READING?sort=submitted&after=$LATE_ALL&page=$LATE_ALL_PAGE"
run_wrk "reading view, $READING_FILTERED, first page" "$READING?$READING_FILTERED"
run_wrk "reading view, same filters, page $LATE_FILTERED_PAGE" "$READING?$READING_FILTERED&after=$LATE_FILTERED&page=$LATE_FILTERED_PAGE"
run_wrk "reading view, $READING_STANCE, first page" "$READING?$READING_STANCE"
run_wrk "reading view, same filters, page $LATE_STANCE_PAGE" "$READING?$READING_STANCE&after=$LATE_STANCE&page=$LATE_STANCE_PAGE"
{
  echo
  echo "| reading view in-process, no HTTP (a page: ReadingResponses, median of 21; counts: uncached, median of 5) | first page | late page | counts |"
  echo "|---|---:|---:|---:|"
  awk -F': ' '$1=="query" {q=$2} $1=="page" {p=$2} $1 ~ /^first/ {f=$2} $1 ~ /^late/ {l=$2}
    $1 ~ /^counts/ {printf "| %s (late: page %s) | %s | %s | %s |\n", q, p, f, l, $2}' \
    "$DIR/reading-cursors.txt"
} | tee -a "$RESULTS"
if [ "$READING_ONLY" = 1 ]; then
  stop_server
  echo
  echo "results in $RESULTS"
  exit 0
fi

echo "== CSV export of every submitted response, three times (the median is reported)"
EXPORT=$DIR/export.csv
ALL_SECS=()
for _ in 1 2 3; do
  read -r SECS BYTES < <(curl -s -o "$EXPORT" -w '%{time_total} %{size_download}\n' -H "Cookie: tracker_session=$COOKIE" "$BASE/exports/responses.csv")
  ALL_SECS+=("$SECS")
done
SECS=$(printf '%s\n' "${ALL_SECS[@]}" | sort -g | sed -n 2p)
ROWS=$(( $(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$EXPORT") - 1 ))
EXPORT_RATE=$(awk -v r="$ROWS" -v s="$SECS" 'BEGIN {printf "%d", r/s}')
EXPORT_ALL=$(printf '%s\n' "${ALL_SECS[@]}" | awk -v r="$ROWS" '{printf "%s%d", (NR>1 ? ", " : ""), r/$1}')
EXPORT_RSS=$(rss)

echo "== submissions: 16 members over HTTP, then the raw SQLite commit rate"
SUBMIT=$("$DIR/measure" submit -url "$BASE" -db "$DB" -members 16 -seconds "$DURATION")
SUBMIT_RSS=$(rss)
PEAK=$(peak)
stop_server
if [ "$POSTGRES" = 1 ]; then
  COMMITS=$("$DIR/measure" commit-rate -url "$DB" -seconds "$DURATION")
  RAW_LABEL="raw PostgreSQL commit rate (durable defaults, 1 connection)"
else
  COMMITS=$("$DIR/measure" commit-rate -dir "$DIR" -seconds "$DURATION")
  RAW_LABEL="raw SQLite commit rate (WAL, synchronous=FULL, 1 connection)"
fi
SUBMIT_RATE=$(echo "$SUBMIT" | awk '/submissions_per_s/ {print $2}')
RAW_RATE=$(echo "$COMMITS" | awk '/raw_commits_per_s/ {print $2}')

IMPORT=
if [ "$SKIP_IMPORT" != 1 ]; then
  echo "== CSV import of the export's million rows vs a bare INSERT loop"
  IMPORT=$("$DIR/measure" import -csv "$EXPORT" -dir "$DIR" -orgs "$ORGS")
fi

{
  echo
  echo "| other measure | value |"
  echo "|---|---:|"
  echo "| start-up to first /healthz answer (server says: $READY) | ${STARTUP_MS} ms |"
  echo "| CSV export: $ROWS rows, $((BYTES / 1048576)) MiB, median of 3 in ${SECS}s (each: $EXPORT_ALL rows/s) | $EXPORT_RATE rows/s |"
  echo "| server RSS after the export | $EXPORT_RSS MB |"
  echo "| submissions over HTTP, 16 members (PUT /api/v1/…/response) | $SUBMIT_RATE /s |"
  echo "$SUBMIT" | awk -F': ' '/failed|p50|p99/ {printf "| %s | %s |\n", $1, $2}'
  echo "| $RAW_LABEL | $RAW_RATE /s |"
  echo "| submissions vs raw commits | $(awk -v a="$SUBMIT_RATE" -v b="$RAW_RATE" 'BEGIN {printf "%.2f", a/b}') |"
  echo "| server RSS after submissions | $SUBMIT_RSS MB |"
  echo "| server peak RSS over the whole run (VmHWM) | $PEAK MB |"
  echo "$IMPORT" | awk -F': ' 'NF==2 {printf "| %s | %s |\n", $1, $2}'
} | tee -a "$RESULTS"
echo
echo "results in $RESULTS"
