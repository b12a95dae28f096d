// A member tries another organisation's pages and data: the policy team's
// pages answer 403, guessed ids give nothing away, and a proposal page never
// shows another organisation's answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, signIn } from './lib/browser.mjs';
import { clickAndWait, proposalWithStatus, text } from './lib/journey.mjs';
import { pressAndWait, tabTo, walkTabOrder } from './lib/keyboard.mjs';

let browser;
let ref;
const marker = `Fleetbrook-only comment ${Date.now()}`;

before(async () => {
  browser = await launch();
  // Fleetbrook (FLB) drafts an answer that only Fleetbrook may read.
  const flb = await newPage(browser);
  await signIn(flb, 'member@fleetbrook.example');
  await flb.goto('/consultations/1');
  ref = await proposalWithStatus(flb, 'none');
  await flb.goto(`/proposals/${ref}`);
  await flb.fill('#field-comment', marker);
  await clickAndWait(flb, 'button[value="draft"]');
  assert.equal(await flb.inputValue('#field-comment'), marker);
  await flb.context().close();
});
after(async () => { await browser?.close(); });

test('a member of another organisation cannot reach it, with the pointer', async () => {
  const page = await newPage(browser);
  await signIn(page, 'member@harwellvale.example');

  for (const [path, status] of [
    ['/responses/1', 403], // a guessed response id: the policy team's page
    ['/consultations/1/overview', 403],
    [`/proposals/${ref}/summary`, 403],
    ['/consultations/1/responses', 403],
    [`/consultations/1/search?q=${encodeURIComponent(marker)}`, 403],
    ['/exports/responses.csv?consultation=1', 403],
    ['/admin/users', 403],
  ]) {
    const response = await page.goto(path);
    assert.equal(response.status(), status, `${path} as a member`);
    assert.ok(!(await response.text()).includes(marker), `${path} leaks Fleetbrook's comment`);
    if (status === 403) assert.equal(await text(page, 'h1'), 'Not allowed');
  }

  // The API: the summary is the policy team's; the response is always the
  // member's own organisation's, whatever is asked for.
  for (const path of [`/api/v1/proposals/${ref}/summary`, `/api/v1/proposals/${ref}/summary?type=acute`]) {
    const r = await page.request.get(path);
    assert.ok([403, 404].includes(r.status()), `${path}: ${r.status()}`);
    assert.ok(!(await r.text()).includes(marker));
  }
  const own = await page.request.get(`/api/v1/proposals/${ref}/response`);
  assert.ok(!(await own.text()).includes(marker), 'the API gave Harwell Vale Fleetbrook\'s response');

  // Harwell Vale's own page for the same proposal shows Harwell Vale's answer only.
  await page.goto(`/proposals/${ref}`);
  assert.ok(!(await page.content()).includes(marker), 'the proposal page shows Fleetbrook\'s comment');
  assert.notEqual(await page.inputValue('#field-comment'), marker);
  await page.goto(`/proposals/${ref}/history`);
  assert.ok(!(await page.content()).includes(marker), 'the history shows Fleetbrook\'s comment');

  // Writing as Fleetbrook through the API is refused.
  await page.goto(`/proposals/${ref}`);
  const csrf = await page.inputValue('input[name="_csrf"]');
  const put = await page.request.put(`/api/v1/proposals/${ref}/response`, {
    headers: { 'X-CSRF-Token': csrf },
    data: { organisation_code: 'FLB', stance: 'oppose', autonomy: -2, consent: 'private', comment: 'Written over by another organisation' },
  });
  assert.ok(put.status() >= 400 && put.status() < 500, `a PUT naming another organisation answered ${put.status()}`);
  await page.context().close();

  // And Fleetbrook's draft is as it was.
  const flb = await newPage(browser);
  await signIn(flb, 'member@fleetbrook.example');
  await flb.goto(`/proposals/${ref}`);
  assert.equal(await flb.inputValue('#field-comment'), marker);
  await flb.context().close();
});

test('a member refused a page finds the way back, with the keyboard only', async () => {
  const page = await newPage(browser);
  await signIn(page, 'member@harwellvale.example');
  const response = await page.goto('/consultations/1/overview'); // typed in the address bar
  assert.equal(response.status(), 403);
  assert.equal(await text(page, 'h1'), 'Not allowed');
  await walkTabOrder(page);
  await tabTo(page, 'main a[href="/consultations"]');
  await pressAndWait(page);
  assert.equal(new URL(page.url()).pathname, '/consultations');

  await tabTo(page, 'a[href="/consultations/1"]');
  await pressAndWait(page);
  await tabTo(page, `a[href="/proposals/${ref}"]`);
  await pressAndWait(page);
  assert.ok(!(await page.content()).includes(marker), 'the proposal page shows Fleetbrook\'s comment');
  await walkTabOrder(page);
  await page.context().close();
});
