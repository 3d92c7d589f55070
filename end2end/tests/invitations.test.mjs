// An admin invites someone; the link works in another browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, open, waitForHydration, unique, DEMO, BASE_URL } from './helpers.mjs';

test('an admin invites a user and the invite link signs them up', async () => {
  const email = `convidada.${unique()}@example.com`;
  const link = await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, DEMO.admin);
    await page.goto(BASE_URL + '/settings/users');
    await waitForHydration(page);
    await page.fill('#field-email', email);
    await page.selectOption('select[name=role]', 'supervisor');
    await page.click('#invite-heading ~ form button[type=submit]');
    const input = await page.waitForSelector('#invite-link');
    await page.waitForSelector(`#pending-invites >> text=${email}`);
    return input.inputValue();
  });
  assert.match(link, /\/invite\/[A-Za-z0-9_-]{43}$/);

  await withBrowser(async (ctx) => {
    const page = await open(ctx, new URL(link).pathname);
    assert.equal((await page.textContent('#invite-email')).trim(), email);
    assert.match(await page.textContent('h1'), /Entrar em Demo/);
    await page.fill('#field-name', 'Clara Convidada');
    await page.fill('#field-password', 'senha nova e longa');
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/invite')), page.press('#field-password', 'Enter')]);
    await waitForHydration(page);
    assert.equal((await page.textContent('#account-name')).trim(), 'Demo');
    await page.click('#user-menu summary');
    assert.match(await page.textContent('#user-menu'), new RegExp(email.replace(/\./g, '\\.')));

    // The link cannot be used twice.
    const again = await ctx.newPage();
    await again.goto(link);
    await waitForHydration(again);
    assert.match(await again.textContent('[role=alert]'), /inválido ou expirou/);
  });
});
