// The Nu HTML Checker (vnu.jar from the npm package vnu-jar, run with the
// machine's Java) over every page pages.test.mjs saved: zero errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { outDir } from './lib/env.mjs';

const require = createRequire(import.meta.url);
const vnuJar = path.join(path.dirname(require.resolve('vnu-jar/package.json')), 'build', 'dist', 'vnu.jar');
const htmlDir = path.join(outDir, 'html');

test('every saved page is valid HTML (Nu HTML Checker, errors only)', () => {
  const files = readdirSync(htmlDir).filter((f) => f.endsWith('.html')).sort().map((f) => path.join(htmlDir, f));
  assert.ok(files.length >= 40, `only ${files.length} pages saved in ${htmlDir}: run pages.test.mjs first`);
  // vnu writes its JSON report to stderr, and exits 1 when it found errors.
  const run = spawnSync(process.env.JAVA || 'java', ['-jar', vnuJar, '--errors-only', '--format', 'json', ...files], {
    encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (run.error) throw run.error;
  const json = run.stderr.slice(run.stderr.indexOf('{'));
  assert.ok(json.startsWith('{'), `the checker did not report (exit ${run.status}): ${run.stderr}${run.stdout}`);
  const report = JSON.parse(json);
  const errors = report.messages.filter((m) => m.type === 'error' || m.subType === 'fatal');
  const lines = errors.map((m) => `${path.basename(decodeURIComponent(m.url || ''))}:${m.lastLine ?? '?'}: ${m.message}\n    ${(m.extract || '').replace(/\n/g, ' ').trim()}`);
  console.log(`Nu HTML Checker: ${files.length} pages, ${errors.length} errors`);
  assert.equal(errors.length, 0, '\n' + lines.join('\n'));
});
