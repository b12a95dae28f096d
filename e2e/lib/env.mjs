// Where the tests find the running product and where they write their output.
// e2e/run.sh sets these; the defaults suit a server started by hand.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const e2eDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const repoDir = path.dirname(e2eDir);

export const baseURL = process.env.E2E_BASE_URL || 'http://127.0.0.1:3000';
export const trackerBin = process.env.E2E_TRACKER_BIN || '/tmp/e2e-tracker';
export const dbPath = process.env.E2E_DB || path.join(repoDir, 'tracker.db');
export const outDir = process.env.E2E_OUT || '/tmp/e2e-out';
export const screenshotDir = process.env.E2E_SCREENSHOTS || path.join(repoDir, 'docs', 'screenshots');
export const chromiumPath = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

mkdirSync(outDir, { recursive: true });

/** The demo sign-ins written by `serve -demo`: email → {password, role, recovery[]}. */
export function demoLogins() {
  const file = `${dbPath}.demo-logins.txt`;
  const logins = {};
  let last = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^(\S+@\S+)\s+(\S+)\s+(member|policy|admin)\b/);
    if (m) {
      last = logins[m[1]] = { email: m[1], password: m[2], role: m[3], recovery: [] };
      continue;
    }
    const r = line.match(/recovery code:\s*(.+)$/);
    if (r && last) last.recovery = r[1].trim().split(/\s+/);
  }
  return logins;
}

// A TOTP code is accepted once per 30-second step, and the test files run in
// separate processes, so which codes were used is kept in a small state file.
const stateFile = path.join(outDir, 'second-factor-state.json');

function loadState() {
  return existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
}

/** A second-factor code for email: the current TOTP code from the command
 * line if this 30-second step has not been used yet, otherwise an unused
 * recovery code. */
export function secondFactorCode(email) {
  const state = loadState();
  const s = (state[email] ||= { lastStep: 0, recoveryUsed: 0 });
  const step = Math.floor(Date.now() / 1000 / 30);
  let code;
  // Keep clear of the end of a step, where the server's clock may differ.
  if (step > s.lastStep && (Date.now() / 1000) % 30 < 25) {
    code = execFileSync(trackerBin, ['user', 'code', '-db', dbPath, '-email', email], { encoding: 'utf8' }).trim();
    s.lastStep = step;
  } else {
    const codes = demoLogins()[email].recovery;
    if (s.recoveryUsed >= codes.length) throw new Error(`no recovery codes left for ${email}`);
    code = codes[s.recoveryUsed++];
  }
  writeFileSync(stateFile, JSON.stringify(state));
  return code;
}
