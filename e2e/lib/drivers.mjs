// Two ways to drive the same journey: with the pointer (clicks), and with the
// keyboard alone (Tab, Shift+Tab, Enter, Space, arrow keys), where every tab
// stop on the way must show its focus.
import { signIn as pointerSignIn } from './browser.mjs';
import { demoLogins, secondFactorCode } from './env.mjs';
import { clickAndWait } from './journey.mjs';
import { arrowToOption, arrowToRadio, pressAndWait, tabTo, useSkipLink } from './keyboard.mjs';

export function pointer(page) {
  return {
    name: 'with the pointer',
    signIn: (email, password) => pointerSignIn(page, email, password),
    follow: (selector) => clickAndWait(page, selector),
    choose: (name, value) => page.check(`input[name="${name}"][value="${value}"]`),
    select: (selector, value) => page.selectOption(selector, value),
    fill: (selector, value) => page.fill(selector, value),
    async download(selector) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(selector).first().click()]);
      return download;
    },
  };
}

export function keyboard(page) {
  return {
    name: 'with the keyboard only',
    async signIn(email, password = demoLogins()[email].password) {
      await page.goto('/login');
      await useSkipLink(page);
      await tabTo(page, '#field-email');
      await page.keyboard.type(email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(password);
      await pressAndWait(page, 'Enter');
      if (new URL(page.url()).pathname === '/login/2fa') {
        await tabTo(page, '#field-code');
        await page.keyboard.type(secondFactorCode(email));
        await pressAndWait(page, 'Enter');
      }
      if (new URL(page.url()).pathname.startsWith('/login')) throw new Error(`keyboard sign-in as ${email} failed`);
    },
    async follow(selector) {
      await tabTo(page, selector);
      return pressAndWait(page, 'Enter');
    },
    async choose(name, value) {
      await tabTo(page, `input[name="${name}"]`);
      await arrowToRadio(page, value);
    },
    async select(selector, value) {
      await tabTo(page, selector);
      await arrowToOption(page, value);
    },
    async fill(selector, value) {
      await tabTo(page, selector);
      await page.keyboard.press('Control+A');
      await page.keyboard.type(value);
    },
    async download(selector) {
      await tabTo(page, selector);
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      return download;
    },
  };
}
