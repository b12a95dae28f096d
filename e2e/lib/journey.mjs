// Small steps the journeys share.
import assert from 'node:assert/strict';

/** Clicks (with the pointer) and waits for the page it leads to. */
export async function clickAndWait(page, target) {
  const locator = typeof target === 'string' ? page.locator(target).first() : target;
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response;
}

export const activeElementId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

export const text = async (page, selector) => (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();

/** The ref of the first proposal on a member's consultation page with the given status tag. */
export async function proposalWithStatus(page, status) {
  const href = await page.locator(`tr:has(.tag-${status}) a[href^="/proposals/"]`).first().getAttribute('href');
  assert.ok(href, `no proposal "${status}" on ${page.url()}`);
  return href.split('/').pop();
}

/** The texts of the history page's versions, newest first. */
export async function historyHeadings(page) {
  return (await page.locator('article.revision h2').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** Reads one file out of a .docx (a zip) without a zip library: finds it in
 * the central directory and inflates it. */
export async function zipEntry(buffer, name) {
  const { inflateRawSync } = await import('node:zlib');
  let eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'not a zip file');
  const entries = buffer.readUInt16LE(eocd + 10);
  let p = buffer.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = buffer.readUInt16LE(p + 10);
    const size = buffer.readUInt32LE(p + 20);
    const nameLen = buffer.readUInt16LE(p + 28);
    const extraLen = buffer.readUInt16LE(p + 30);
    const commentLen = buffer.readUInt16LE(p + 32);
    const local = buffer.readUInt32LE(p + 42);
    const entryName = buffer.toString('utf8', p + 46, p + 46 + nameLen);
    if (entryName === name) {
      const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
      const data = buffer.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  assert.fail(`${name} is not in the zip`);
}
