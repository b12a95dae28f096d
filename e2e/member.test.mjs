// A member answers a proposal: makes a mistake, sees the error summary,
// follows its link to the field, fixes it, saves a draft, submits, edits,
// and reads the history. Once with the pointer, once with the keyboard alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, signIn } from './lib/browser.mjs';
import { demoLogins } from './lib/env.mjs';
import { activeElementId, clickAndWait, historyHeadings, proposalWithStatus, text } from './lib/journey.mjs';
import { arrowToRadio, focused, pressAndWait, tabTo, useSkipLink, walkTabOrder } from './lib/keyboard.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const stamp = Date.now();

test('a member answers a proposal, with the pointer', async () => {
  const page = await newPage(browser);
  await signIn(page, 'member@fleetbrook.example');
  await clickAndWait(page, 'a[href="/consultations/1"]');
  const ref = await proposalWithStatus(page, 'none');
  await clickAndWait(page, `a[href="/proposals/${ref}"]`);
  assert.equal(await text(page, '.status-line'), 'Not started');

  // The mistake: every answer but the stance.
  const first = `Pointer journey ${stamp}: we support the aim but want a longer transition.`;
  await page.check('#autonomy-1');
  await page.fill('#field-comment', first);
  await page.check('#consent-anonymised');
  let response = await clickAndWait(page, 'button[value="submit"]');
  assert.equal(response.status(), 422);
  assert.match(await page.title(), /^Error: /);
  const summary = page.locator('.error-summary');
  assert.ok(await summary.isVisible(), 'the error summary is shown');
  assert.equal(await text(page, '.error-summary h2'), 'There is a problem');
  assert.deepEqual(await summary.locator('a').allInnerTexts(), ['Choose where your organisation stands on this proposal']);
  assert.equal(await text(page, '#stance-error'), 'Error: Choose where your organisation stands on this proposal');
  // What was typed is still there.
  assert.equal(await page.inputValue('#field-comment'), first);
  assert.ok(await page.isChecked('#autonomy-1'));
  assert.ok(await page.isChecked('#consent-anonymised'));

  // The summary's link takes focus to the field.
  await summary.locator('a[href="#field-stance"]').click();
  assert.equal(await activeElementId(page), 'field-stance');
  await page.check('#stance-support');

  response = await clickAndWait(page, 'button[value="draft"]');
  assert.equal(response.status(), 200);
  assert.match(page.url(), /\?saved=draft$/);
  assert.equal(await text(page, '.notice.success'), 'Your draft was saved. It does not count until you submit it.');
  assert.match(await text(page, '.status-line'), /^Draft saved .* version 1 · History of changes$/);

  await clickAndWait(page, 'button[value="submit"]');
  assert.match(page.url(), /\?saved=submitted$/);
  assert.equal(await text(page, '.notice.success'), 'Your response was submitted. You can change it until the member deadline.');
  assert.match(await text(page, '.status-line'), /^Submitted .* version 2 · History of changes$/);

  // An edit after submitting.
  const second = `Pointer journey ${stamp}, amended: the transition needs 24 months.`;
  await page.fill('#field-comment', second);
  await page.check('#stance-neutral');
  await clickAndWait(page, 'button:has-text("Submit changes")');
  assert.match(await text(page, '.status-line'), /version 3/);
  assert.equal(await page.inputValue('#field-comment'), second);

  await clickAndWait(page, 'a:has-text("History of changes")');
  assert.deepEqual(await historyHeadings(page), ['Version 3: submitted', 'Version 2: submitted', 'Version 1: saved as draft']);
  const history = await text(page, 'main');
  assert.ok(history.includes(second) && history.includes(first), 'the history shows both comments');
  assert.ok(history.includes('Neutral') && history.includes('Support'), 'the history shows both stances');
  await page.context().close();
});

test('a member answers a proposal, with the keyboard only', async () => {
  const page = await newPage(browser);
  const email = 'colleague@fleetbrook.example';

  await page.goto('/login');
  await useSkipLink(page);
  await tabTo(page, '#field-email');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(demoLogins()[email].password);
  await pressAndWait(page, 'Enter');
  assert.equal(new URL(page.url()).pathname, '/consultations');

  await tabTo(page, 'a[href="/consultations/1"]');
  await pressAndWait(page);
  const ref = await proposalWithStatus(page, 'none');
  await tabTo(page, `a[href="/proposals/${ref}"]`);
  await pressAndWait(page);
  assert.ok(await walkTabOrder(page) > 20, 'the form has its controls in the tab order');

  // The mistake: the stance is passed over.
  const first = `Keyboard journey ${stamp}: the change is sound but the timetable is not.`;
  await tabTo(page, 'input[name="autonomy"]');
  await arrowToRadio(page, '-1');
  await tabTo(page, '#field-comment');
  await page.keyboard.type(first);
  await tabTo(page, 'input[name="consent"]');
  await arrowToRadio(page, 'attributed');
  await tabTo(page, 'button[value="submit"]');
  let response = await pressAndWait(page);
  assert.equal(response.status(), 422);
  assert.deepEqual(await page.locator('.error-summary a').allInnerTexts(), ['Choose where your organisation stands on this proposal']);
  assert.equal(await page.inputValue('#field-comment'), first);

  // From the top of the page to the summary's link; Enter moves focus to the field.
  await tabTo(page, '.error-summary a[href="#field-stance"]');
  await page.keyboard.press('Enter');
  assert.equal(await activeElementId(page), 'field-stance');
  const f = await focused(page);
  assert.ok(f.focusVisible && f.indicator, 'the field shows its focus');
  await arrowToRadio(page, 'oppose');
  assert.ok(await page.isChecked('#stance-oppose'));

  await tabTo(page, 'button[value="draft"]');
  await pressAndWait(page);
  assert.match(page.url(), /\?saved=draft$/);
  assert.match(await text(page, '.status-line'), /^Draft saved .* version 1/);

  await tabTo(page, 'button[value="submit"]');
  await pressAndWait(page);
  assert.match(page.url(), /\?saved=submitted$/);
  assert.match(await text(page, '.status-line'), /^Submitted .* version 2/);

  // The edit: add a sentence at the end of the comment.
  await tabTo(page, '#field-comment');
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Amended with the keyboard.');
  await tabTo(page, 'button[value="submit"]');
  await pressAndWait(page);
  assert.match(await text(page, '.status-line'), /version 3/);
  assert.equal(await page.inputValue('#field-comment'), `${first} Amended with the keyboard.`);

  await tabTo(page, 'a[href$="/history"]');
  await pressAndWait(page);
  assert.deepEqual(await historyHeadings(page), ['Version 3: submitted', 'Version 2: submitted', 'Version 1: saved as draft']);
  await walkTabOrder(page);
  await page.context().close();
});
