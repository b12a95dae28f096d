// The policy team opens the overview, filters a proposal's summary, opens the
// collective response, writes a section with a live figure, and takes the
// document away as Markdown, Word and a printed PDF. Once with the pointer,
// once with the keyboard alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newPage } from './lib/browser.mjs';
import { keyboard, pointer } from './lib/drivers.mjs';
import { text, zipEntry } from './lib/journey.mjs';
import { walkTabOrder } from './lib/keyboard.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const headline = async (page, label) => text(page, `.headline div:has(dt:text-is("${label}")) dd`);

async function journey(page, ui, { section, keyboardOnly }) {
  await ui.signIn('policy@tracker.example');
  assert.equal(new URL(page.url()).pathname, '/consultations');

  await ui.follow('a[href="/consultations/1/overview"]');
  assert.equal(await text(page, 'h1'), 'Overview of responses');
  assert.equal(await page.locator('table.overview tbody tr').count(), 21, 'one row per proposal');
  if (keyboardOnly) await walkTabOrder(page);

  await ui.follow('table.overview a[href="/proposals/LP-01/summary"]');
  assert.match(await text(page, 'h1'), /^LP-01 /);
  const all = await headline(page, 'Responses');
  assert.match(await text(page, 'section[aria-labelledby="headline-title"] p'), /all member organisations/);

  await ui.select('#filter-type', 'acute');
  await ui.follow('button:has-text("Apply filters")');
  assert.match(page.url(), /[?&]type=acute\b/);
  assert.match(await text(page, 'section[aria-labelledby="headline-title"] p'), /members that are acute trusts/i);
  const acute = await headline(page, 'Responses');
  assert.notEqual(acute, all, 'the filter changes the figures');
  assert.ok(Number.parseInt(acute, 10) < Number.parseInt(all, 10));
  // Each chart's numbers are text beside the bars; the bars are hidden from
  // assistive technology.
  const charts = await page.locator('figure.chart').count();
  assert.ok(charts >= 3, 'the summary has its charts');
  assert.equal(await page.locator('figure.chart svg:not([aria-hidden="true"])').count(), 0);
  assert.equal(await page.locator('figure.chart .bar-row').count(), await page.locator('figure.chart .bar-value').count());
  if (keyboardOnly) await walkTabOrder(page);

  await ui.follow('.breadcrumbs a:has-text("Overview")');
  await ui.follow('nav.subnav a:has-text("Collective response")');
  assert.equal(await text(page, 'h1'), 'Collective response');

  await ui.follow(`a[href="/consultations/1/collective/sections/${section}"]`);
  const figure = async (name) => (await text(page, `.figure-list li:has(code:text-is("{{${name}}}"))`)).split('=').pop().trim();
  const opposing = await figure('opposing');
  const responses = await figure('responses');
  const statement = `Members are divided on ${section}: {{opposing}} of the {{responses}} who answered oppose it.`;
  await ui.choose('position', 'support_with_amendments');
  await ui.fill('#field-statement', statement);
  const saved = await ui.follow('button:has-text("Save section")');
  assert.equal(saved.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/consultations/1/collective');
  const written = `Members are divided on ${section}: ${opposing} of the ${responses} who answered oppose it.`;
  assert.equal(await text(page, `#section-${section} .statement`), written, 'the figures are filled in');
  assert.match(await text(page, `#section-${section}`), /Position: Support with amendments/);
  if (keyboardOnly) await walkTabOrder(page);

  const md = await ui.download('a[href$="/collective.md"]');
  assert.equal(md.suggestedFilename(), 'collective-response-1.md');
  assert.ok(readFileSync(await md.path(), 'utf8').includes(written), 'the Markdown holds the section with its figures');

  const docx = await ui.download('a[href$="/collective.docx"]');
  assert.equal(docx.suggestedFilename(), 'collective-response-1.docx');
  const xml = await zipEntry(readFileSync(await docx.path()), 'word/document.xml');
  assert.ok(xml.replace(/<[^>]+>/g, '').includes(written), 'the Word document holds the section with its figures');

  await ui.follow('a[href$="/collective/print"]');
  assert.match(await text(page, 'h1'), /our members' collective response$/);
  assert.ok((await text(page, 'main')).includes(written));
  const pdf = await page.pdf({ format: 'A4' }); // what "save as PDF" gives
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  if (keyboardOnly) await walkTabOrder(page);
}

test('the policy team drafts and exports the collective response, with the pointer', async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  await journey(page, pointer(page), { section: 'LP-06' });
  await page.context().close();
});

test('the policy team drafts and exports the collective response, with the keyboard only', async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  await journey(page, keyboard(page), { section: 'LP-07', keyboardOnly: true });
  await page.context().close();
});
