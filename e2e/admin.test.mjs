// An admin adds a user: invites them, and the new user sets a password from
// the one-time link and signs in. Once with the pointer, once with the
// keyboard alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage } from './lib/browser.mjs';
import { keyboard, pointer } from './lib/drivers.mjs';
import { text } from './lib/journey.mjs';
import { walkTabOrder } from './lib/keyboard.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function journey(drive, { keyboardOnly }) {
  const name = `Robin ${keyboardOnly ? 'Keyboard' : 'Pointer'}`;
  const email = `robin.${keyboardOnly ? 'keyboard' : 'pointer'}.${Date.now()}@fleetbrook.example`;
  const password = 'a long passphrase for robin';

  const page = await newPage(browser);
  const ui = drive(page);
  await ui.signIn('admin@tracker.example');
  await ui.follow('nav a[href="/admin"]');
  assert.equal(await text(page, 'h1'), 'Administration');
  await ui.follow('main a[href="/admin/users"]');
  await ui.follow('main a[href="/admin/users/new"]');
  if (keyboardOnly) await walkTabOrder(page);

  // First without an organisation, which a member must have.
  await ui.fill('#field-email', email);
  await ui.fill('#field-name', name);
  await ui.choose('role', 'member');
  let response = await ui.follow('button:has-text("Create account and invite link")');
  assert.equal(response.status(), 422);
  assert.deepEqual(await page.locator('.error-summary a').allInnerTexts(), ['Choose the member organisation this person belongs to']);
  assert.equal(await page.inputValue('#field-email'), email, 'the email typed is kept');

  const org = await page.locator('#field-organisation option', { hasText: 'Fleetbrook' }).first().getAttribute('value');
  await ui.select('#field-organisation', org);
  response = await ui.follow('button:has-text("Create account and invite link")');
  assert.equal(response.status(), 200);
  assert.equal(await text(page, 'h1'), `Account created for ${name}`);
  const link = new URL(await page.inputValue('#invite-link'));
  assert.match(link.pathname, /^\/invite\/\S+$/);
  if (keyboardOnly) await walkTabOrder(page);

  await ui.follow('main a:has-text("Back to users")');
  const row = page.locator('tr', { hasText: email });
  assert.equal(await row.locator('.tag').innerText(), 'invited');
  await page.context().close();

  // The new user, in a browser of their own.
  const theirs = await newPage(browser);
  const them = drive(theirs);
  await theirs.goto(link.pathname);
  assert.equal(await text(theirs, 'h1'), 'Set your password');
  await them.fill('#field-password', password);
  await them.fill('#field-confirm', password);
  await them.follow('button:has-text("Set password")');
  assert.equal(await text(theirs, '.notice.success'), 'Your password is set. Sign in with it now.');
  await them.signIn(email, password);
  assert.equal(new URL(theirs.url()).pathname, '/consultations');
  assert.match(await text(theirs, '.who'), new RegExp(`^${name} \\(member\\)$`));
  await theirs.context().close();
}

test('an admin adds a user, with the pointer', () => journey(pointer, { keyboardOnly: false }));
test('an admin adds a user, with the keyboard only', () => journey(keyboard, { keyboardOnly: true }));
