// On a phone the sidebar becomes a drawer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, newAccount } from './helpers.mjs';

test('on a 390x844 viewport the sidebar is a drawer', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    assert.equal(await page.isVisible('#sidebar'), false, 'no permanent sidebar on a phone');
    assert.equal(await page.isVisible('#drawer'), false);
    await page.click('#open-drawer');
    await page.waitForSelector('#drawer', { state: 'visible' });
    const width = await page.evaluate(() => document.querySelector('#drawer aside').getBoundingClientRect().width);
    assert.ok(width <= 390 * 0.85 + 1, `drawer width ${width}`);
    await page.click('#drawer a[href="/settings/users"]');
    await page.waitForURL(/\/settings\/users/);
    await page.waitForSelector('#drawer', { state: 'detached' });
    // The users page is a lazy route: its chunk and data arrive after the URL changes.
    await page.waitForSelector('#members-table', { state: 'visible' });
    // Nothing overflows sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  }, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
});
