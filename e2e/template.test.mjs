// Issue 12: the collective response started from a template filled from the
// figures, with the pointer; a suggested section edited with the keyboard
// alone, which takes its marker off; and a member who allows their comment
// only to be quoted. Each page is checked with axe-core and saved for the
// Nu HTML Checker (validity.test.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { axeResults, formatViolations, launch, newPage, signIn } from './lib/browser.mjs';
import { keyboard } from './lib/drivers.mjs';
import { outDir } from './lib/env.mjs';
import { clickAndWait, proposalWithStatus, text } from './lib/journey.mjs';

const htmlDir = path.join(outDir, 'html');
mkdirSync(htmlDir, { recursive: true });
const marker = 'Suggested from the figures — edit before review';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** axe finds no WCAG violation; the HTML the server sent is kept for Nu. */
async function checkPage(page, name, response) {
  const { violations } = await axeResults(page);
  assert.equal(violations.length, 0, formatViolations(name, violations));
  writeFileSync(path.join(htmlDir, `${name}.html`), await response.text());
}

test('the policy team starts every missing section from the figures, and edits one with the keyboard', async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  await signIn(page, 'policy@tracker.example');
  let response = await page.goto('/consultations/1/collective');
  const missing = await page.locator('section[aria-labelledby="missing-title"] li').count();
  assert.ok(missing > 0, 'some proposals have no section yet');
  await checkPage(page, 'template-offered', response);

  response = await clickAndWait(page, 'button:has-text("Start these sections from the figures")');
  assert.equal(response.status(), 200);
  assert.match(await text(page, '.notice.success'), /^Every proposal without a section now has one suggested from its figures/);
  assert.equal(await page.locator('section[aria-labelledby="missing-title"]').count(), 0, 'no proposal is left without a section');
  assert.equal(await page.locator('.doc-section .suggested-marker').count(), missing, 'each filled section is marked');
  assert.equal(await page.locator('#section-LP-06 .suggested-marker').count(), 0, 'a section written by hand is not marked');
  assert.doesNotMatch((await page.locator('.doc-section .statement').allInnerTexts()).join('\n'), /\{\{/, 'the figures are filled in');
  await checkPage(page, 'template-filled', response);

  // The first suggested section, edited and saved with the keyboard alone.
  const id = await page.locator('.doc-section:has(.suggested-marker)').first().getAttribute('id');
  const ref = id.replace(/^section-/, '');
  await page.goto(`/consultations/1/collective/sections/${ref}`);
  const ui = keyboard(page);
  const suggested = await page.inputValue('#field-statement');
  assert.match(suggested, new RegExp(`\\{\\{${ref}\\.responses\\}\\}`), 'the statement is the suggestion, as figure tokens');
  await ui.fill('#field-statement', `Edited by the team. ${suggested}`);
  response = await ui.follow('button:has-text("Save section")');
  assert.equal(response.status(), 200);
  assert.equal(await page.locator(`#${id} .suggested-marker`).count(), 0, 'the edited section is no longer a suggestion');
  assert.match(await text(page, `#${id} .statement`), /^Edited by the team\./);

  const md = await ui.download('a[href$="/collective.md"]');
  assert.ok(!readFileSync(await md.path(), 'utf8').includes(marker), 'the Markdown never prints the marker');
  await page.context().close();
});

test('a member allows their comment only to be quoted, with the keyboard', async () => {
  const page = await newPage(browser);
  await signIn(page, 'member@fleetbrook.example');
  await clickAndWait(page, 'a[href="/consultations/1"]');
  const ref = await proposalWithStatus(page, 'none');
  let response = await page.goto(`/proposals/${ref}`);
  assert.ok(await page.isChecked('#field-quote_scope'), 'a new answer starts at comment and amendments');
  await checkPage(page, 'proposal-quote-scope', response);

  const ui = keyboard(page);
  await ui.choose('stance', 'oppose');
  await ui.choose('autonomy', '-1');
  await ui.fill('#field-comment', 'Our board opposes the timetable.');
  await ui.fill('#field-amendments', 'Phase it in over two years.');
  await ui.choose('consent', 'attributed');
  await ui.choose('quote_scope', 'comment_only');
  response = await ui.follow('button[value="submit"]');
  assert.equal(response.status(), 200);
  assert.match(page.url(), /\?saved=submitted$/);
  assert.ok(await page.isChecked('#quote_scope-comment_only'), 'the form shows the stored answer');

  await clickAndWait(page, 'a:has-text("History of changes")');
  assert.match(await text(page, 'article.revision'), /What may be quoted Our comment only/);
  await page.context().close();
});
