#!/usr/bin/env bash
# The sqlmap run recorded in docs/security.md. Start a demo server on 127.0.0.1:3999, sign in with
# signin.sh (policy for most targets, admin for "audit", a member for "member-*"), and set SESSION
# and CSRF from the cookie jar and a page before each group of targets.
B=http://127.0.0.1:3999
O="--batch --drop-set-cookie --level=3 --risk=2 --time-sec=2 --threads=2 --flush-session --disable-coloring -v 1"
run() { name=$1; shift; echo "=== $name"; timeout 300 sqlmap $O "$@" 2>&1 | grep -E "is vulnerable|injectable|not injectable|all tested parameters|WARNING.*(heuristic|does not seem)|CRITICAL|might be|appears to be" | sort -u | head -40; }
run summary-page -u "$B/proposals/LP-12/summary?type=acute&region=London&system_status=ics&tally=member" --cookie "tracker_session=$SESSION"
run summary-json -u "$B/api/v1/proposals/LP-12/summary?type=acute&region=London&system_status=ics&tally=both" --cookie "tracker_session=$SESSION"
run search -u "$B/consultations/1/search?q=board&proposal=LP-12&type=acute&region=London&system_status=ics" --cookie "tracker_session=$SESSION"
run responses -u "$B/consultations/1/responses?proposal=LP-12&type=acute&region=London&system_status=ics" --cookie "tracker_session=$SESSION"
run export -u "$B/exports/responses.csv?consultation=1&type=acute&region=London&system_status=ics&status=all" --cookie "tracker_session=$SESSION"
run collective -u "$B/consultations/1/collective?threshold=25" --cookie "tracker_session=$SESSION"
run audit -u "$B/admin/audit?action=sign_in&user=policy%40tracker.example&from=2026-01-01&to=2027-01-01" --cookie "tracker_session=$SESSION"
run member-form -u "$B/proposals/LP-07/response" --data "_csrf=$CSRF&stance=support&autonomy=1&concerns=timescale&comment=fine&amendments=none&consent=private&action=draft&version=0" --cookie "tracker_session=$SESSION" --skip=_csrf
run member-api -u "$B/api/v1/proposals/LP-08/response" --method PUT --data '{"stance":"support","autonomy":1,"concerns":"timescale","comment":"c","amendments":"a","consent":"private","status":"draft"}' --headers "X-CSRF-Token: $CSRF\nContent-Type: application/json" --cookie "tracker_session=$SESSION"
run login -u "$B/login" --data "email=nobody%40example.org&password=x&next=%2Fconsultations" --skip=_csrf
