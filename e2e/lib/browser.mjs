// Debian's Chromium driven by playwright-core: launch, sign in, and the checks
// every page gets (axe-core, reflow).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { baseURL, chromiumPath, demoLogins, secondFactorCode } from './env.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A headless Chromium; playwright gives each launch a fresh temporary profile
 * (user-data-dir) and removes it on close. */
export function launch() {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(10_000);
  return context.newPage();
}

/** Signs in by filling the form and clicking (keyboard journeys have their own). */
export async function signIn(page, email, password = demoLogins()[email].password) {
  await page.goto('/login');
  await page.fill('#field-email', email);
  await page.fill('#field-password', password);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  if (new URL(page.url()).pathname === '/login/2fa') {
    await page.fill('#field-code', secondFactorCode(email));
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Continue")')]);
  }
  const where = new URL(page.url()).pathname;
  if (where.startsWith('/login')) throw new Error(`sign-in as ${email} failed: still on ${where}`);
}

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page, and its
 * best-practice rules. Returns the WCAG violations (which fail the tests),
 * the best-practice ones (reported), and the rules axe could not decide
 * ("incomplete": for a person to look at). page.evaluate is not subject to
 * the page's Content-Security-Policy, so the product's CSP stays on. */
export async function axeResults(page) {
  return page.evaluate(`(async () => {
    if (!window.axe) { ${axeSource}\n }
    const wcag = ${JSON.stringify(wcagTags)};
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: [...wcag, 'best-practice'] },
      resultTypes: ['violations', 'incomplete'],
    });
    const isWcag = (v) => v.tags.some((t) => wcag.includes(t));
    const brief = (list) => list.map(v => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
    return {
      violations: brief(r.violations.filter(isWcag)),
      bestPractice: brief(r.violations.filter((v) => !isWcag(v))),
      incomplete: brief(r.incomplete.filter(isWcag)),
    };
  })()`);
}

export function formatViolations(label, violations) {
  const out = [];
  for (const v of violations) {
    for (const n of v.nodes) {
      out.push(`${label}: [${v.id}] ${v.help}\n    target: ${n.target}\n    ${(n.summary || '').replace(/\n/g, '\n    ')}`);
    }
  }
  return out.join('\n');
}

/** The page must not scroll sideways: tables may scroll inside their own region. */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const de = document.documentElement;
    if (de.scrollWidth <= window.innerWidth) return null;
    // Name the widest elements that stick out, to say what to fix.
    // Content of a scrolling region (a wide table) is allowed to stick out,
    // unless it is positioned out of that region.
    const inScroller = (el) => {
      if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      }
      return false;
    };
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && culprits.length < 5 && !inScroller(el)) {
        culprits.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} (right edge ${Math.round(r.right)})`);
      }
    }
    return { scrollWidth: de.scrollWidth, innerWidth: window.innerWidth, culprits };
  });
}
