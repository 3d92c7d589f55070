// The audit log with more entries than one page: it hydrates, pages back
// with "load more", and the app keeps navigating afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, waitForHydration, newAccount, BASE_URL } from './helpers.mjs';

test('the audit log pages past 50 entries without breaking the app', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await signIn(page, account.admin);
    // 60 audited actions: API tokens created through the app's own endpoint.
    await page.evaluate(async () => {
      for (let i = 0; i < 60; i++) {
        const body = new URLSearchParams({ name: `token ${i}` });
        const reply = await fetch('/api/create_api_token', { method: 'POST', body, headers: { accept: 'application/json' } });
        if (!reply.ok) throw new Error(`token ${i}: ${reply.status}`);
      }
    });
    await page.goto(BASE_URL + '/audit');
    await waitForHydration(page);
    const rows = page.locator('#audit-table tbody tr');
    assert.equal(await rows.count(), 50, 'one page');
    await page.click('#audit-load-more');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length > 50);
    assert.ok((await rows.count()) > 60, 'older entries follow');
    // The app still navigates: the sidebar link really changes the page.
    await page.click('#sidebar a[href="/settings/profile"]');
    await page.waitForURL(/\/settings\/profile/);
    await page.locator('#field-name').waitFor();
    assert.deepEqual(errors, [], 'no error in the page');
  });
});
