// Every page, as each role sees it, in Chromium: axe-core's WCAG 2.2 A/AA
// rules find no violation, the page does not scroll sideways at 320 px or at
// 200% zoom, and its HTML is saved for the Nu HTML Checker (validity.test.mjs).
// Forms are also checked in their error state. The main pages are saved as
// screenshots in docs/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoLogins, outDir, screenshotDir } from './lib/env.mjs';
import { totp } from './lib/totp.mjs';
import { axeResults, formatViolations, horizontalOverflow, launch, newPage, signIn } from './lib/browser.mjs';
import { walkTabOrder } from './lib/keyboard.mjs';

const htmlDir = path.join(outDir, 'html');
mkdirSync(htmlDir, { recursive: true });
mkdirSync(screenshotDir, { recursive: true });

let browser;
const pages = {};
const checked = [];

before(async () => {
  browser = await launch();
  pages.anon = await newPage(browser);
  pages.invitee = await newPage(browser);
  pages.twofactor = await newPage(browser);
  pages.newcomer = await newPage(browser);
  for (const [role, email] of [['member', 'member@fleetbrook.example'], ['policy', 'policy@tracker.example'], ['admin', 'admin@tracker.example']]) {
    pages[role] = await newPage(browser);
    await signIn(pages[role], email);
  }
});

after(async () => {
  writeFileSync(path.join(outDir, 'pages-checked.json'), JSON.stringify(checked, null, 1));
  // What axe could not decide by itself, for a person to look at.
  const review = {};
  for (const c of checked) for (const r of c.needsReview) (review[r.replace(/ \(\d+\)$/, '')] ||= []).push(c.name);
  const sum = (k) => checked.reduce((n, c) => n + c[k], 0);
  console.log(`axe-core: ${checked.length} pages, ${sum('violations')} violations of WCAG 2.2 A/AA rules, ${sum('bestPractice')} of best-practice rules; ${sum('tabStops')} tab stops walked both ways`);
  for (const [rule, names] of Object.entries(review)) console.log(`  needs review by a person: ${rule} on ${names.length} pages (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`);
  await browser?.close();
});

/** Opens url and returns the document's response. */
function visit(url) {
  return (page) => page.goto(url);
}

/** Clicks the button (or link) named by selector, after fill(page), and
 * returns the response of the page it leads to. */
function submit(selector, fill = async () => {}) {
  return async (page) => {
    await fill(page);
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.locator(selector).first().click(),
    ]);
    return response;
  };
}

/** A link's href found on the current page, e.g. the first response in a list. */
async function hrefOf(page, selector) {
  const href = await page.locator(selector).first().getAttribute('href');
  assert.ok(href, `no link ${selector} on ${page.url()}`);
  return href;
}

/**
 * check opens a page (steps run in order on the role's tab), then measures it.
 * name is also the file name of the saved HTML; status the expected HTTP status.
 */
async function check(role, name, steps, { status = 200, screenshot, shotHeight = 1800 } = {}) {
  const page = pages[role];
  const consoleErrors = [];
  const onConsole = (m) => {
    if (m.type() !== 'error') return;
    // The browser reports the document's own 4xx status; that is the test's point.
    if (status >= 400 && /Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    consoleErrors.push(m.text());
  };
  page.on('console', onConsole);
  try {
    let response;
    for (const step of [].concat(steps)) response = await step(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.equal(response.status(), status, `${name}: HTTP status of ${page.url()}`);
    if (status === 422) assert.ok(await page.locator('.error-summary').isVisible(), `${name}: no error summary`);

    const problems = [];
    const { violations, bestPractice, incomplete } = await axeResults(page);
    if (violations.length) problems.push(formatViolations(name, violations));
    if (bestPractice.length) console.log(`(not failing) axe best practice on ${name}:\n${formatViolations(name, bestPractice)}`);

    // Every control can be reached with Tab and left again, both ways, and
    // shows its focus.
    const tabStops = await walkTabOrder(page);

    // The HTML as the server sent it (not the browser's repaired DOM).
    let html;
    try { html = await response.text(); } catch { html = await page.content(); }
    writeFileSync(path.join(htmlDir, `${name}.html`), html);

    if (screenshot) {
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.screenshot({
        path: path.join(screenshotDir, screenshot), fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: Math.min(height, shotHeight) },
      });
    }

    // 320 CSS px wide (WCAG 1.4.10), then 1280 px at 200% zoom, which lays
    // the page out exactly as a 640 CSS px viewport does.
    for (const [label, size] of [['320px', { width: 320, height: 640 }], ['200% zoom', { width: 640, height: 450 }]]) {
      await page.setViewportSize(size);
      const overflow = await horizontalOverflow(page);
      if (overflow) problems.push(`${name}: scrolls sideways at ${label}: page ${overflow.scrollWidth}px wide in a ${overflow.innerWidth}px window; sticking out: ${overflow.culprits.join(', ')}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    if (consoleErrors.length) problems.push(`${name}: console errors (CSP?):\n    ${consoleErrors.join('\n    ')}`);
    checked.push({ role, name, url: page.url(), status: response.status(), violations: violations.length,
      bestPractice: bestPractice.length, tabStops,
      needsReview: incomplete.map((v) => `${v.id} (${v.nodes.length})`) });
    assert.equal(problems.length, 0, '\n' + problems.join('\n'));
  } finally {
    page.off('console', onConsole);
  }
}

describe('signed out', () => {
  test('sign-in page', () => check('anon', 'login', visit('/login')));
  test('sign-in page with errors', () => check('anon', 'login-errors', [visit('/login'), submit('button:has-text("Sign in")')], { status: 422 }));
  test('accessibility statement, from the footer link', () => check('anon', 'accessibility', [visit('/login'), submit('footer a[href="/accessibility"]')]));
  test('two-factor step of signing in, and its error', async () => {
    await check('twofactor', 'login-2fa', [visit('/login'), submit('button:has-text("Sign in")', async (page) => {
      await page.fill('#field-email', 'policy@tracker.example');
      await page.fill('#field-password', demoLogins()['policy@tracker.example'].password);
    })]);
    assert.equal(new URL(pages.twofactor.url()).pathname, '/login/2fa');
    await check('twofactor', 'login-2fa-errors', submit('button:has-text("Continue")'), { status: 422 });
  });
  test('page not found', () => check('anon', 'not-found-signed-out', visit('/no-such-page'), { status: 404 }));
  test('invite link that does not work', () => check('anon', 'invite-gone', visit('/invite/not-a-real-token'), { status: 404 }));
});

describe('member', () => {
  let answered; // a proposal the organisation has already submitted, so it has a history
  test('consultations list', () => check('member', 'member-consultations', visit('/consultations'), { screenshot: 'member-consultations.png' }));
  test('consultation with the organisation\'s status on each proposal', async () => {
    await check('member', 'member-consultation', visit('/consultations/1'));
    answered = await hrefOf(pages.member, 'tr:has(.tag-submitted) a[href^="/proposals/"]');
  });
  test('proposal and response form', () => check('member', 'member-proposal', visit(answered)));
  test('response form with errors', () => check('member', 'member-proposal-errors', [
    visit('/proposals/LP-21'),
    submit('button[value="submit"]', async (page) => {
      // Clear the stance and quoting choices, and write too long a comment.
      await page.evaluate(() => {
        for (const el of document.querySelectorAll('input[name="stance"], input[name="consent"]')) el.checked = false;
      });
      await page.fill('#field-comment', 'We broadly agree with the aim, but '.repeat(150));
    }),
  ], { status: 422, screenshot: 'member-form-errors.png' }));
  test('history of a response', () => check('member', 'member-history', visit(`${answered}/history`)));
  test('not allowed (403)', () => check('member', 'member-forbidden', visit('/admin'), { status: 403 }));
  test('not found (404)', () => check('member', 'member-not-found', visit('/proposals/XX-99'), { status: 404 }));
  test('accessibility statement, signed in', () => check('member', 'member-accessibility', visit('/accessibility')));
});

describe('policy team', () => {
  test('consultations list', () => check('policy', 'policy-consultations', visit('/consultations')));
  test('consultation', () => check('policy', 'policy-consultation', visit('/consultations/1')));
  test('overview', () => check('policy', 'overview', visit('/consultations/1/overview'), { screenshot: 'consultation-overview.png' }));
  test('overview, filtered', () => check('policy', 'overview-filtered', visit('/consultations/1/overview?region=London')));
  test('proposal, as the policy team sees it', () => check('policy', 'policy-proposal', visit('/proposals/LP-01')));
  test('summary with charts', () => check('policy', 'summary', visit('/proposals/LP-01/summary'), { screenshot: 'proposal-summary.png', shotHeight: 2400 }));
  test('charts have their numbers as text, and colour is never the only carrier of meaning', async () => {
    const page = pages.policy;
    await page.goto('/proposals/LP-01/summary');
    const c = await page.evaluate(() => ({
      responses: document.querySelector('.headline div dd').firstChild.textContent.trim(),
      charts: [...document.querySelectorAll('figure.chart')].map((f) => ({
        caption: f.querySelector('figcaption')?.innerText.trim(),
        labelledBy: f.getAttribute('aria-labelledby'),
        rows: [...f.querySelectorAll('.bar-row')].map((r) => ({ label: r.querySelector('dt')?.innerText.trim(), value: r.querySelector('.bar-value')?.innerText.trim() })),
      })),
      svgs: [...document.querySelectorAll('main svg')].map((s) => s.getAttribute('aria-hidden')),
      segmentRows: [...document.querySelectorAll('table.segments tbody tr')].map((tr) => [...tr.querySelectorAll('td.num')].map((td) => td.innerText.trim())),
      key: [...document.querySelectorAll('.stance-key li')].map((li) => li.innerText.trim()),
    }));
    assert.ok(c.charts.length >= 4, 'stance, autonomy and concern charts');
    for (const chart of c.charts) {
      assert.ok(chart.caption && chart.labelledBy, 'each chart has a caption that names it');
      for (const row of chart.rows) {
        assert.ok(row.label, `a bar without a label in "${chart.caption}"`);
        assert.match(row.value, /^\d+ \(\d+%\)$/, `the bar "${row.label}" has no number beside it`);
      }
    }
    // The stance bars add up to the responses counted.
    const stance = c.charts[0].rows.reduce((n, r) => n + Number.parseInt(r.value, 10), 0);
    assert.equal(String(stance), c.responses);
    // Bars are drawings of numbers that are written out: hidden from screen readers.
    assert.ok(c.svgs.length > 0 && c.svgs.every((h) => h === 'true'), 'every SVG is aria-hidden');
    // The stacked bars by segment repeat numbers that are in the table's cells,
    // and the colour key names each colour in words.
    assert.ok(c.segmentRows.length > 0 && c.segmentRows.every((r) => r.length === 8 && r.every((v) => /^[+−-]?\d+$/.test(v))));
    assert.deepEqual(c.key, ['Strongly support', 'Support', 'Neutral', 'Oppose', 'Strongly oppose']);
  });
  test('summary, filtered', () => check('policy', 'summary-filtered', visit('/proposals/LP-01/summary?type=acute&system_status=ics')));
  test('summary, concerns coded by analysts', () => check('policy', 'summary-analyst', visit('/proposals/LP-01/summary?concerns=analyst')));
  test('responses list', () => check('policy', 'responses', visit('/consultations/1/responses')));
  test('responses to one proposal', () => check('policy', 'responses-proposal', visit('/consultations/1/responses?proposal=LP-01')));
  test('reading view', () => check('policy', 'reading', visit('/proposals/LP-01/responses'), { screenshot: 'reading-view.png' }));
  test('reading view, filtered', () => check('policy', 'reading-filtered', visit('/proposals/LP-01/responses?type=acute&quotable=yes&sort=organisation')));
  test('one response', async () => {
    const href = await hrefOf(pages.policy, 'a[href^="/responses/"]');
    await check('policy', 'response', visit(href));
  });
  test('one response: note with errors', () => check('policy', 'response-note-errors', submit('button:has-text("Add note")'), { status: 422 }));
  test('search with results', () => check('policy', 'search', visit('/consultations/1/search?q=tariff')));
  test('search with an error', () => check('policy', 'search-errors', visit(`/consultations/1/search?q=${'x'.repeat(201)}`), { status: 422 }));
  test('not yet submitted', () => check('policy', 'nonresponders', visit('/consultations/1/nonresponders')));
  test('section editor', () => check('policy', 'section', visit('/consultations/1/collective/sections/LP-01')));
  test('collective response, with an introduction and two sections', async () => {
    // Draft a little of the document, so the page, its versions and the
    // screenshot show what the policy team works on.
    const page = pages.policy;
    await page.goto('/consultations/1/collective');
    await page.fill('#field-introduction', 'We consulted our members on each of the proposals. {{LP-01.responses}} of {{LP-01.members}} members answered the first of them.');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save introduction")')]);
    for (const [ref, position, text] of [
      ['LP-01', 'support', 'Members broadly support this proposal: {{supporting}} of {{responses}} responding members support it and {{opposing}} oppose it.'],
      ['LP-02', 'support_with_amendments', 'Members support the aim but ask for safeguards. {{opposing}} of {{responses}} oppose it as drafted.'],
    ]) {
      await page.goto(`/consultations/1/collective/sections/${ref}`);
      await page.check(`input[name="position"][value="${position}"]`);
      await page.fill('#field-statement', text);
      await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save section")')]);
      assert.match(new URL(page.url()).pathname, /\/collective$/, `saving section ${ref} did not go back to the document`);
    }
    await check('policy', 'collective', visit('/consultations/1/collective'), { screenshot: 'collective-response.png' });
  });
  test('section editor with errors', () => check('policy', 'section-errors', [visit('/consultations/1/collective/sections/LP-03'), submit('button:has-text("Save section")', async (page) => {
    await page.fill('#field-statement', 'Most members ({{nonsense}}) oppose this.');
  })], { status: 422 }));
  test('versions', () => check('policy', 'versions', visit('/consultations/1/collective/versions')));
  test('versions compared', async () => {
    const href = await hrefOf(pages.policy, 'a[href*="/collective/versions/"]');
    await check('policy', 'versions-compare', visit(href));
  });
  test('print view', () => check('policy', 'print', visit('/consultations/1/collective/print')));
  test('import and export', () => check('policy', 'imports', visit('/imports')));
  test('import with errors', () => check('policy', 'imports-errors', submit('form[action="/imports"] button[type="submit"]'), { status: 422 }));
  test('two-factor settings', () => check('policy', 'account-2fa', visit('/account/2fa')));
  test('not allowed (403)', () => check('policy', 'policy-forbidden', visit('/admin/users'), { status: 403 }));
  test('not found (404)', () => check('policy', 'policy-not-found', visit('/responses/999999'), { status: 404 }));
});

describe('admin', () => {
  test('administration', () => check('admin', 'admin', visit('/admin')));
  test('consultations', () => check('admin', 'admin-consultations', visit('/admin/consultations')));
  test('new consultation', () => check('admin', 'admin-consultation-new', visit('/admin/consultations/new')));
  test('new consultation with errors', () => check('admin', 'admin-consultation-new-errors', submit('form.admin-form button[type="submit"]'), { status: 422 }));
  test('edit consultation', () => check('admin', 'admin-consultation-edit', visit('/admin/consultations/1/edit')));
  test('proposals', () => check('admin', 'admin-proposals', visit('/admin/consultations/1/proposals')));
  test('edit proposal', async () => {
    const href = await hrefOf(pages.admin, 'a[href^="/admin/proposals/"][href$="/edit"]');
    await check('admin', 'admin-proposal-edit', visit(href));
  });
  test('new proposal', () => check('admin', 'admin-proposal-new', visit('/admin/consultations/1/proposals/new')));
  test('new proposal with errors', () => check('admin', 'admin-proposal-new-errors', submit('form.admin-form button[type="submit"]'), { status: 422 }));
  test('concern codebook', () => check('admin', 'admin-concerns', visit('/admin/concerns')));
  test("the body's details", () => check('admin', 'admin-body', visit('/admin/body')));
  test("the body's details with errors", () => check('admin', 'admin-body-errors', submit('form.admin-form button[type="submit"]', async (page) => {
    await page.fill('#field-name', '');
  }), { status: 422 }));
  test('new concern', () => check('admin', 'admin-concern-new', visit('/admin/concerns/new')));
  test('new concern with errors', () => check('admin', 'admin-concern-new-errors', submit('form.admin-form button[type="submit"]'), { status: 422 }));
  test('edit concern', () => check('admin', 'admin-concern-edit', visit('/admin/concerns/1/edit')));
  test('organisations', () => check('admin', 'admin-organisations', visit('/admin/organisations')));
  test('new organisation', () => check('admin', 'admin-organisation-new', visit('/admin/organisations/new')));
  test('new organisation with errors', () => check('admin', 'admin-organisation-new-errors', submit('form.admin-form button[type="submit"]'), { status: 422 }));
  test('edit organisation', () => check('admin', 'admin-organisation-edit', visit('/admin/organisations/1/edit')));
  test('users', () => check('admin', 'admin-users', visit('/admin/users')));
  test('one user', async () => {
    const href = await hrefOf(pages.admin, 'a[href^="/admin/users/"]:not([href$="/new"])');
    await check('admin', 'admin-user', visit(href));
    await check('admin', 'admin-user-role', visit(`${href}/role`));
  });
  test('invite a user', () => check('admin', 'admin-user-new', visit('/admin/users/new')));
  test('invite a user with errors', () => check('admin', 'admin-user-new-errors', submit('form.admin-form button[type="submit"]'), { status: 422 }));
  test('invite link shown once', () => check('admin', 'admin-invited', submit('form.admin-form button[type="submit"]', async (page) => {
    await page.fill('#field-name', 'Pat Pages');
    await page.fill('#field-email', `pat.pages.${Date.now()}@fleetbrook.example`);
    await page.check('input[name="role"][value="member"]');
    const org = await page.locator('#field-organisation option', { hasText: 'Fleetbrook' }).first().getAttribute('value');
    await page.selectOption('#field-organisation', org);
  })));
  test('set a password from the invite link, and its errors', async () => {
    const link = new URL(await pages.admin.inputValue('#invite-link'));
    await check('invitee', 'invite', visit(link.pathname));
    await check('invitee', 'invite-errors', submit('button:has-text("Set password")', async (page) => {
      await page.fill('#field-password', 'correct horse battery staple');
      await page.fill('#field-confirm', 'correct horse battery');
    }), { status: 422 });
  });
  test('setting up two-factor sign-in, with an error, and the recovery codes', async () => {
    // A new member of the policy team: invited, sets a password, signs in,
    // and must set up the second step before anything else.
    const email = `sam.setup.${Date.now()}@tracker.example`;
    const password = 'a long passphrase for sam';
    const admin = pages.admin;
    await admin.goto('/admin/users/new');
    await admin.fill('#field-name', 'Sam Setup');
    await admin.fill('#field-email', email);
    await admin.check('input[name="role"][value="policy"]');
    await Promise.all([admin.waitForNavigation(), admin.click('button:has-text("Create account and invite link")')]);
    const page = pages.newcomer;
    await page.goto(new URL(await admin.inputValue('#invite-link')).pathname);
    await page.fill('#field-password', password);
    await page.fill('#field-confirm', password);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Set password")')]);
    await signIn(page, email, password);
    assert.equal(new URL(page.url()).pathname, '/account/2fa');
    await check('newcomer', 'account-2fa-setup', visit('/account/2fa'));
    await check('newcomer', 'account-2fa-setup-errors', submit('button:has-text("Turn on two-factor sign-in")', (p) => p.fill('#field-code', '000000')), { status: 422 });
    const secret = (await page.innerText('#totp-secret')).trim();
    await check('newcomer', 'account-2fa-recovery-codes', submit('button:has-text("Turn on two-factor sign-in")', (p) => p.fill('#field-code', totp(secret))));
    assert.equal(await page.locator('#recovery-codes li').count(), 10);
  });
  test('audit log', () => check('admin', 'audit', visit('/admin/audit')));
  test('audit log with errors', () => check('admin', 'audit-errors', visit('/admin/audit?from=yesterday'), { status: 422 }));
  test('non-responders', () => check('admin', 'admin-nonresponders', visit('/consultations/2/nonresponders')));
  test('not found (404)', () => check('admin', 'admin-not-found', visit('/admin/users/999999'), { status: 404 }));
});
