// Two editors draft the collective response together, in two browsers: on
// different sections at once (neither is refused), then on the same section
// (the second sees both texts and saves on the second try). An admin then
// approves it through its confirmation page, and reopens it. The new pages
// (the refused save, the comparison of two versions, the confirmation) are
// checked with axe and saved for the Nu HTML checker (validity.test.mjs).
// It works on the second consultation, so the other files' pages of the
// first are as they expect.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { axeResults, formatViolations, horizontalOverflow, launch, newPage, signIn } from './lib/browser.mjs';
import { outDir } from './lib/env.mjs';
import { clickAndWait, text } from './lib/journey.mjs';
import { walkTabOrder } from './lib/keyboard.mjs';

const htmlDir = path.join(outDir, 'html');
mkdirSync(htmlDir, { recursive: true });

let browser, pat, ada;
const base = '/consultations/2/collective';

before(async () => {
  browser = await launch();
  pat = await newPage(browser);
  ada = await newPage(browser);
  await signIn(pat, 'policy@tracker.example');
  await signIn(ada, 'admin@tracker.example');
});
after(async () => { await browser?.close(); });

/** axe (0 violations), every control reachable by Tab, no sideways scroll at
 * 320 px; and the HTML as sent, for the Nu checker. */
async function checkPage(page, name, response) {
  const { violations } = await axeResults(page);
  assert.equal(violations.length, 0, formatViolations(name, violations));
  await walkTabOrder(page);
  writeFileSync(path.join(htmlDir, `${name}.html`), await response.text());
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await horizontalOverflow(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.equal(overflow, null, `${name} scrolls sideways at 320 px: ${JSON.stringify(overflow)}`);
}

async function openSection(page, ref) {
  const r = await page.goto(`${base}/sections/${ref}`);
  assert.equal(r.status(), 200);
  return page.locator('input[name="version"]').first().inputValue();
}

async function write(page, position, statement) {
  await page.check(`input[name="position"][value="${position}"]`);
  await page.fill('#field-statement', statement);
  return clickAndWait(page, 'form.section-form button[type="submit"]');
}

test('two editors of different sections at once are never refused', async () => {
  // Both open their section before either saves.
  await openSection(pat, 'GC-01');
  await openSection(ada, 'GC-02');
  const first = await write(pat, 'oppose', 'Pat writes on the licence conditions.');
  const second = await write(ada, 'support', 'Ada writes on the second commitment.');
  assert.equal(first.status(), 200);
  assert.equal(second.status(), 200, 'the second editor was refused');
  assert.equal(new URL(ada.url()).pathname, base);
  assert.match(await text(ada, '#section-GC-01 .statement'), /Pat writes on the licence conditions\./);
  assert.match(await text(ada, '#section-GC-02 .statement'), /Ada writes on the second commitment\./);
});

test('a real collision shows both texts and saves on the second try', async () => {
  const patOpened = await openSection(pat, 'GC-03');
  const adaOpened = await openSection(ada, 'GC-03');
  assert.equal(patOpened, adaOpened);
  await write(pat, 'oppose', 'Pat: this goes too far.');
  const refused = await write(ada, 'support_with_amendments', 'Ada: acceptable with safeguards.');
  assert.equal(refused.status(), 409);
  const conflict = await text(ada, 'section.conflict');
  assert.match(conflict, /Pat: this goes too far\./, "the other editor's saved text is shown");
  assert.match(conflict, /Ada: acceptable with safeguards\./, 'the text typed is shown beside it');
  assert.equal(await ada.inputValue('#field-statement'), 'Ada: acceptable with safeguards.', 'the text typed stays in the form');
  assert.match(await text(ada, '.error-summary'), /saved this section at/);
  assert.notEqual(await ada.locator('input[name="version"]').first().inputValue(), adaOpened, 'the page carries the current version');
  await checkPage(ada, 'collective-conflict', refused);

  const saved = await clickAndWait(ada, 'button:has-text("Save my text, replacing the saved one")');
  assert.equal(saved.status(), 200);
  assert.equal(new URL(ada.url()).pathname, base);
  assert.match(await text(ada, '#section-GC-03 .statement'), /Ada: acceptable with safeguards\./);

  // The refused text is in the history, and any two versions compare.
  await ada.goto(`${base}/versions`);
  assert.match(await text(ada, 'tr.refused'), /Not saved: .*edit of section GC-03 conflicted with/);
  const versions = await ada.locator('#compare-from option').allInnerTexts();
  assert.ok(versions.length >= 4, 'every save is a version');
  await ada.selectOption('#compare-from', { index: versions.length - 1 });
  await ada.selectOption('#compare-to', { index: 0 });
  const compared = await clickAndWait(ada, 'form.compare-form button');
  assert.equal(compared.status(), 200);
  assert.match(await text(ada, '#compare-title'), /^Version \d+ compared with version \d+$/);
  await checkPage(ada, 'collective-versions-two', compared);
});

test('approval asks for confirmation, listing what is missing', async () => {
  await pat.goto(base);
  await clickAndWait(pat, 'button:has-text("Send for review")');
  assert.match(await text(pat, '#workflow-title'), /In review/);

  await ada.goto(base);
  const confirmation = await clickAndWait(ada, 'a:has-text("Approve and freeze")');
  assert.equal(new URL(ada.url()).pathname, `${base}/approve`);
  assert.equal(await text(ada, 'h1'), 'Approve the collective response?');
  const missing = await text(ada, '.approval-check');
  assert.match(missing, /proposals have no section/);
  assert.match(missing, /The member deadline has not passed/);
  await checkPage(ada, 'collective-approve', confirmation);

  await clickAndWait(ada, 'button:has-text("Approve and freeze anyway")');
  assert.equal(new URL(ada.url()).pathname, base);
  assert.match(await text(ada, '#workflow-title'), /Approved/);

  // Leave it a draft again, as an admin would to change it.
  await clickAndWait(ada, 'button:has-text("Reopen as a draft")');
  assert.match(await text(ada, '#workflow-title'), /Draft/);
});
