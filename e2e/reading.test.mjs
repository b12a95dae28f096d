// The policy team reads every response to a proposal in full: filters the
// reading view, codes a response in place and sees the coded count move,
// comes back to the same place; quotes by selecting text. Once with the
// pointer, once with the keyboard alone (Tab to the filters, Space, Enter).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeResults, formatViolations, launch, newPage } from './lib/browser.mjs';
import { keyboard, pointer } from './lib/drivers.mjs';
import { clickAndWait, text } from './lib/journey.mjs';
import { pressAndWait, tabTo } from './lib/keyboard.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const codedCount = async (page) => {
  const m = (await text(page, '.coding-progress strong')).match(/^(\d+) of (\d+) coded$/);
  assert.ok(m, 'the page says how many responses are coded');
  return { coded: Number(m[1]), submitted: Number(m[2]) };
};
const matching = async (page) => Number.parseInt(await text(page, '#reading-count strong'), 10);

async function noAxeViolations(page, name) {
  const { violations } = await axeResults(page);
  assert.equal(violations.length, 0, formatViolations(name, violations));
}

// check ticks a checkbox: a click, or Tab to it and Space.
const check = (page, keyboardOnly) => async (selector) => {
  if (!keyboardOnly) return page.check(selector);
  await tabTo(page, selector);
  await page.keyboard.press('Space');
  assert.ok(await page.locator(selector).isChecked(), `Space ticks ${selector}`);
};

// open opens a <details> by its summary: a click, or Tab to it and Enter.
const open = (page, keyboardOnly) => async (selector) => {
  if (!keyboardOnly) return page.locator(selector).click();
  await tabTo(page, selector);
  await page.keyboard.press('Enter');
};

async function journey(page, ui, { ref, keyboardOnly }) {
  const tick = check(page, keyboardOnly);
  const expand = open(page, keyboardOnly);
  await ui.signIn('policy@tracker.example');
  await page.goto(`/proposals/${ref}/responses`);
  assert.match(await text(page, 'h1'), new RegExp(`^${ref} Responses in full`));
  const before = await codedCount(page);
  const all = await matching(page);
  assert.equal(all, before.submitted, 'unfiltered, every submitted response matches');
  await noAxeViolations(page, `reading ${ref}`);

  // Filter: acute trusts whose responses nobody has coded yet.
  await ui.select('#filter-type', 'acute');
  await tick('#filter-not-coded');
  await ui.follow('button:has-text("Show responses")');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('type'), 'acute');
  assert.equal(url.searchParams.get('not_coded'), 'yes');
  const filtered = await matching(page);
  assert.ok(filtered > 0 && filtered < all, `the filters narrow ${all} responses to ${filtered}`);
  assert.ok(await page.locator('#filter-not-coded').isChecked(), 'the form shows the filter in use');
  await noAxeViolations(page, `reading ${ref}, filtered`);

  // Code the first response in place.
  const first = page.locator('article.reading-response').first();
  const id = (await first.getAttribute('id')).replace('response-', '');
  const segment = await text(page, `#response-${id} .answer div:has(dt:text-is("Segment")) dd`);
  assert.match(segment, /^Acute trust/);
  await expand(`#response-${id} summary:has-text("Code this response")`);
  await tick(`#code-${id}-workforce`);
  await ui.follow(`#response-${id} button:has-text("Save codes")`);
  const back = new URL(page.url());
  assert.equal(back.pathname, `/proposals/${ref}/responses`, 'coding in place comes back to the reading view');
  assert.equal(back.searchParams.get('type'), 'acute', 'with its filters');
  assert.equal(back.searchParams.get('saved'), 'coded');
  const afterCoding = await codedCount(page);
  assert.equal(afterCoding.coded, before.coded + 1, 'the coded count moves by one');
  assert.equal(await matching(page), filtered - 1, 'the coded response leaves "not yet coded"');
  assert.equal(await page.locator(`#response-${id}`).count(), 0);
  assert.match(await text(page, '.notice.success'), /codes were saved/);
  await noAxeViolations(page, `reading ${ref}, after coding`);

  // The coded response, opened from the view without the filter, has its
  // neighbours in the view's order.
  await page.goto(`/responses/${id}?sort=submitted&type=acute`);
  assert.ok(await page.locator('a[rel="next"]:has-text("Next response"), a[rel="prev"]:has-text("Previous response")').count() > 0);
  await ui.follow('a:has-text("Back to the responses in full")');
  assert.equal(new URL(page.url()).pathname, `/proposals/${ref}/responses`);
  assert.equal(await page.locator(`#response-${id}`).count(), 1, 'back at a page that shows the response');
}

test('the policy team reads, filters and codes in place, with the pointer', async () => {
  const page = await newPage(browser);
  await journey(page, pointer(page), { ref: 'LP-02' });

  // Quote by selecting text: the script fills the passage field.
  await page.goto('/proposals/LP-02/responses?quotable=yes');
  const art = page.locator('article.reading-response:has([data-quote-form])').first();
  const id = (await art.getAttribute('id')).replace('response-', '');
  const passage = await page.evaluate((id) => {
    const p = document.querySelector(`#response-${id} [data-quote-source] p`);
    const words = p.textContent.split(' ').slice(0, 6).join(' ');
    const range = document.createRange();
    range.setStart(p.firstChild, 0);
    range.setEnd(p.firstChild, words.length);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
    return words;
  }, id);
  await page.waitForFunction((id) => document.querySelector(`#excerpt-${id}`).value !== '', id);
  assert.equal(await page.inputValue(`#excerpt-${id}`), passage.replace(/\s+/g, ' ').trim());
  await clickAndWait(page, `#response-${id} button:has-text("Add quote")`);
  assert.equal(new URL(page.url()).pathname, '/proposals/LP-02/responses');
  assert.match(await text(page, `#response-${id} .notice.success`), /quote was added/);
  await page.context().close();
});

test('the policy team reads, filters and codes in place, with the keyboard only', async () => {
  const page = await newPage(browser);
  await journey(page, keyboard(page), { ref: 'LP-03', keyboardOnly: true });
  await page.context().close();
});

// Enter in a filter's select submits the GET form, as in any form.
test('Enter in the filter form shows the filtered responses', async () => {
  const page = await newPage(browser);
  await keyboard(page).signIn('policy@tracker.example');
  await page.goto('/proposals/LP-04/responses');
  await tabTo(page, '#filter-stance');
  await page.keyboard.press('ArrowDown'); // "Strongly support"
  await tabTo(page, '#filter-amendments');
  await page.keyboard.press('Space');
  await pressAndWait(page, 'Enter');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('stance'), 'strongly_support');
  assert.equal(url.searchParams.get('amendments'), 'yes');
  for (const stance of await page.locator('.answer div:has(dt:text-is("Stance")) dd').allInnerTexts()) {
    assert.equal(stance.trim(), 'Strongly support');
  }
  await page.context().close();
});
