// An admin invites someone; the link works in another browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, open, waitForHydration, unique, newAccount, BASE_URL } from './helpers.mjs';

async function invite(admin, email, role) {
  return withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, admin);
    await page.goto(BASE_URL + '/settings/users');
    await waitForHydration(page);
    await page.fill('#field-email', email);
    await page.selectOption('select[name=role]', role);
    await page.click('#invite-heading ~ form button[type=submit]');
    const input = await page.waitForSelector('#invite-link');
    await page.waitForSelector(`#pending-invites >> text=${email}`);
    return input.inputValue();
  });
}

test('an admin invites a user and the invite link signs them up', async () => {
  const account = newAccount();
  const email = `convidada.${unique()}@example.com`;
  const link = await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
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
    assert.equal((await page.textContent('#account-name')).trim(), account.name);
    await page.click('#user-menu summary');
    assert.match(await page.textContent('#user-menu'), new RegExp(email.replace(/\./g, '\\.')));

    // The link cannot be used twice.
    const again = await ctx.newPage();
    await again.goto(link);
    await waitForHydration(again);
    assert.match(await again.textContent('[role=alert]'), /inválido ou expirou/);
  });
});

test('someone who already has a login signs in first, then joins', async () => {
  const inviting = newAccount();
  const invited = newAccount();
  const link = await invite(inviting.admin, invited.agent, 'agent');
  await withBrowser(async (ctx) => {
    const page = await open(ctx, new URL(link).pathname);
    // The invitation asks for no password: it sends them to sign in.
    assert.equal(await page.locator('#field-password').count(), 0);
    await Promise.all([page.waitForURL(/\/login\?next=/), page.click('#invite-sign-in')]);
    await waitForHydration(page);
    await page.fill('#field-email', invited.agent);
    await page.fill('#field-password', 'ponte-demo-2026');
    await Promise.all([page.waitForURL(/\/invite\//), page.press('#field-password', 'Enter')]);
    await waitForHydration(page);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/invite')),
      page.click('button[type=submit]'),
    ]);
    await waitForHydration(page);
    assert.equal((await page.textContent('#account-name')).trim(), inviting.name);
  });
});
