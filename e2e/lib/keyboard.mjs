// Keyboard-only use of a page: Tab and Shift+Tab to a control, asserting on
// every stop that focus is visible and on screen; walking the whole tab
// order both ways to prove there is no keyboard trap.
import assert from 'node:assert/strict';

// A date input takes several Tab stops (day, month, year; and hours and
// minutes for a date and time); more than this on one control is a trap.
const maxStopsInOneControl = 8;

/** What has focus now, whether it shows it, and whether it is one of targets
 * (element handles). */
export function focused(page, targets = []) {
  return page.evaluate((targets) => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { none: true };
    const cs = getComputedStyle(el);
    // The product's focus style is a 3 px outline (with a dark ring as a box
    // shadow); buttons have a box shadow anyway, so the outline is what counts.
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
    const r = el.getBoundingClientRect();
    let path = '';
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      path = `${e.tagName}:${[...(e.parentElement?.children ?? [])].indexOf(e)}/${path}`;
    }
    const name = (el.getAttribute('aria-label') || el.labels?.[0]?.innerText || el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return {
      none: false,
      path,
      desc: `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}${el.name ? ' name=' + el.name : ''}${el.getAttribute('href') ? ' href=' + el.getAttribute('href') : ''}> "${name}"`,
      matches: targets.includes(el),
      // A date input's calendar button focuses the input without :focus-visible.
      focusVisible: el.matches(':focus-visible') || el.matches('input[type="date"]:focus-within, input[type="datetime-local"]:focus-within'),
      indicator: outline,
      outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; box-shadow ${cs.boxShadow}`,
      onScreen: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth && r.width > 0 && r.height > 0,
    };
  }, targets);
}

function assertVisibleFocus(f, where) {
  assert.ok(f.focusVisible, `${where}: ${f.desc} has focus but does not match :focus-visible`);
  assert.ok(f.indicator, `${where}: ${f.desc} has no visible focus indicator (${f.outline})`);
  assert.ok(f.onScreen, `${where}: ${f.desc} has focus but is off screen or hidden`);
}

/** Presses Tab (or Shift+Tab) until the element matching selector has focus,
 * checking the focus indicator at every stop. Returns how many presses it took. */
export async function tabTo(page, selector, { reverse = false, max = 250 } = {}) {
  const key = reverse ? 'Shift+Tab' : 'Tab';
  const targets = await page.locator(selector).elementHandles();
  assert.ok(targets.length > 0, `nothing on ${page.url()} matches ${selector}`);
  let wraps = 0;
  let last = null;
  let repeats = 0;
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page, targets);
    if (f.none) {
      // Focus left the document (past the last or first control): one lap only.
      if (++wraps > 1) break;
      continue;
    }
    assertVisibleFocus(f, page.url());
    if (f.matches) return i;
    repeats = f.path === last ? repeats + 1 : 0;
    assert.ok(repeats < maxStopsInOneControl, `keyboard trap: ${key} leaves focus on ${f.desc}`);
    last = f.path;
  }
  assert.fail(`${key} went round ${page.url()} without reaching ${selector}`);
}

/** Presses a key that navigates (Enter on a link or button) and waits for the
 * next page; returns its response. */
export async function pressAndWait(page, keyName = 'Enter') {
  const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press(keyName)]);
  return response;
}

/**
 * Walks the page's whole tab order: Tab until focus leaves the page, then a
 * full lap forwards, then a full lap backwards with Shift+Tab. Every stop
 * must show its focus, and the backward lap must retrace the forward one:
 * nothing holds focus (no keyboard trap). Returns the number of tab stops.
 *
 * Headless Chromium sometimes moves focus from the last stop straight to
 * the first without our seeing it leave the page, so a lap also ends when
 * it comes back to its first stop; the next lap then starts from there.
 */
export async function walkTabOrder(page, { max = 400 } = {}) {
  const lap = async (key, atFirst) => {
    const stops = [];
    if (atFirst && key === 'Tab') stops.push((await focused(page)).path); // the lap starts here
    let repeats = 0;
    for (let i = 0; i < max; i++) {
      await page.keyboard.press(key);
      const f = await focused(page);
      if (f.none) {
        if (atFirst && stops.length === 0) continue; // Shift+Tab from the first stop leaves the page first
        return { stops, atFirst: false };
      }
      assertVisibleFocus(f, page.url());
      if (f.path === stops.at(-1)) {
        repeats++;
        assert.ok(repeats < maxStopsInOneControl, `keyboard trap: ${key} leaves focus on ${f.desc}`);
        continue;
      }
      if (stops.length > 1 && f.path === stops[0]) return { stops, atFirst: true }; // round without leaving
      repeats = 0;
      stops.push(f.path);
    }
    assert.fail(`more than ${max} ${key} stops on ${page.url()} without leaving the page: a keyboard trap?`);
  };
  const toEnd = await lap('Tab', false); // to the end, from wherever focus was
  const forward = await lap('Tab', toEnd.atFirst);
  const backward = await lap('Shift+Tab', forward.atFirst);
  assert.ok(forward.stops.length > 0, `nothing on ${page.url()} takes focus`);
  assert.deepEqual(backward.stops.reverse(), forward.stops, `Shift+Tab does not retrace Tab's order on ${page.url()}`);
  return forward.stops.length;
}

/** On a page just loaded, the first Tab reaches the skip link, which is then
 * visible, and Enter on it moves focus to the main content. */
export async function useSkipLink(page) {
  await page.keyboard.press('Tab');
  const f = await focused(page, await page.locator('a.skip-link').elementHandles());
  assert.ok(f.matches, `the first Tab on ${page.url()} reached ${f.desc}, not the skip link`);
  assertVisibleFocus(f, page.url());
  await page.keyboard.press('Enter');
  const main = await page.evaluate(() => document.activeElement?.id);
  assert.equal(main, 'main', 'the skip link did not move focus to the main content');
}

/** Chooses an option in the focused <select> with the arrow keys. */
export async function arrowToOption(page, value, { max = 60 } = {}) {
  await page.keyboard.press('Home');
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(() => document.activeElement.value) === value) return;
    await page.keyboard.press('ArrowDown');
  }
  assert.fail(`the arrow keys never reached option ${value}`);
}

/** Moves through the focused radio group with the arrow keys until value is
 * checked (arrow keys move and check in a radio group). */
export async function arrowToRadio(page, value, { max = 12 } = {}) {
  for (let i = 0; i < max; i++) {
    const cur = await page.evaluate(() => ({ value: document.activeElement.value, checked: document.activeElement.checked }));
    if (cur.value === value) {
      if (!cur.checked) await page.keyboard.press('Space');
      return;
    }
    await page.keyboard.press('ArrowDown');
  }
  assert.fail(`the arrow keys never reached the radio button ${value}`);
}
