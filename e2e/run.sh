#!/usr/bin/env bash
# End-to-end, accessibility and HTML validity tests in a real browser.
#
# Builds the tracker, starts it on a free loopback port with a fresh demo
# database, runs the Node test files in order in headless Chromium (Debian's
# /usr/bin/chromium, never a downloaded browser), then stops the server.
# Exits non-zero if anything fails.
#
# Needs: go, node >= 20, chromium, java (default-jre-headless), and
# `npm ci` run once in e2e/. See e2e/README.md.
set -euo pipefail

e2e="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$e2e")"

need() { command -v "$1" >/dev/null 2>&1 || { echo "e2e: $1 is missing: $2" >&2; exit 2; }; }
need go "install Go"
need node "install Node.js 20 or later"
need java "apt-get install -y default-jre-headless"
export E2E_CHROMIUM="${E2E_CHROMIUM:-/usr/bin/chromium}"
[ -x "$E2E_CHROMIUM" ] || { echo "e2e: $E2E_CHROMIUM is missing: apt-get install -y chromium" >&2; exit 2; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || { echo "e2e: node $(node --version) is too old: playwright-core needs 20 or later" >&2; exit 2; }
[ -d "$e2e/node_modules/playwright-core" ] || { echo "e2e: run 'npm ci' in $e2e first" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tracker-e2e.XXXXXX")"
server_pid=""
cleanup() {
  status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -eq 0 ] && [ -z "${E2E_KEEP:-}" ]; then
    rm -rf "$tmp"
  else
    echo "e2e: kept $tmp (server log: $tmp/server.log, pages: $tmp/out/html)" >&2
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

echo "== e2e: build"
(cd "$repo" && go build -tags sqlite_fts5 -o "$tmp/tracker" .)

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export E2E_BASE_URL="http://127.0.0.1:$port"
export E2E_TRACKER_BIN="$tmp/tracker"
export E2E_DB="$tmp/e2e.db"
export E2E_OUT="$tmp/out"
export E2E_SCREENSHOTS="${E2E_SCREENSHOTS:-$repo/docs/screenshots}"
# Playwright gives each browser a fresh profile (user-data-dir) under TMPDIR.
export TMPDIR="$tmp"
mkdir -p "$E2E_OUT"

echo "== e2e: start the tracker on $E2E_BASE_URL"
"$tmp/tracker" serve -db "$E2E_DB" -demo -host 127.0.0.1 -port "$port" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$E2E_BASE_URL/healthz"; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { echo "e2e: the tracker did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.5
done
[ -f "$E2E_DB.demo-logins.txt" ] || { echo "e2e: no demo sign-ins written" >&2; exit 1; }

echo "== e2e: tests"
cd "$e2e"
# One file at a time, in this order: the journeys, then every page (axe,
# reflow, screenshots), then the Nu HTML Checker over the pages saved.
files=(member.test.mjs isolation.test.mjs policy.test.mjs collective-editing.test.mjs template.test.mjs reading.test.mjs admin.test.mjs pages.test.mjs validity.test.mjs)
if [ "$#" -gt 0 ]; then files=("$@"); fi
start=$SECONDS
failed=()
for f in "${files[@]}"; do
  echo "-- $f"
  node --test --test-reporter=spec "$f" || failed+=("$f")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "e2e: FAILED (${failed[*]}) after $((SECONDS - start)) s; last lines of the server log:" >&2
  tail -n 20 "$tmp/server.log" >&2
  exit 1
fi
echo "== e2e: passed in $((SECONDS - start)) s"
