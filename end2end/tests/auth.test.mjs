// Signing up, in and out, in a real browser — hydrated, and with JavaScript off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, open, signIn, waitForHydration, unique, newAccount, BASE_URL, DEMO_PASSWORD } from './helpers.mjs';

test('a new company signs up and lands in the app, then signs out', async () => {
  await withBrowser(async (ctx) => {
    const page = await open(ctx, '/signup');
    const id = unique();
    await page.fill('#field-company_name', `Loja ${id}`);
    // The address is suggested from the company name as you type.
    assert.equal(await page.getAttribute('#field-slug', 'placeholder'), `loja-${id}`);
    await page.fill('#field-name', 'Maria Fundadora');
    await page.fill('#field-email', `maria.${id}@example.com`);
    await page.fill('#field-password', 'uma senha bem longa');
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/signup')), page.press('#field-password', 'Enter')]);
    await waitForHydration(page);
    assert.equal((await page.textContent('#account-name')).trim(), `Loja ${id}`);

    await page.click('#user-menu summary');
    await Promise.all([page.waitForURL(/\/login/), page.click('#sign-out')]);
    await waitForHydration(page);
    // Signed out for real: the app sends us back to sign in.
    await page.goto(BASE_URL + '/settings/profile');
    assert.match(page.url(), /\/login\?next=\/settings\/profile/);
  });
});

test('sign-up shows field errors next to the fields', async () => {
  await withBrowser(async (ctx) => {
    const page = await open(ctx, '/signup');
    await page.fill('#field-company_name', 'Loja');
    await page.fill('#field-name', 'Maria');
    await page.fill('#field-email', 'maria@example.com');
    await page.fill('#field-password', 'curta');
    await page.click('button[type=submit]');
    await page.waitForSelector('#field-password[aria-invalid=true]');
    assert.match(await page.textContent('#field-password-msg'), /pelo menos 10 caracteres/);
    // Focus goes to the field with the problem.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-password');
  });
});

test('an admin signs in; a wrong password shows an error', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await open(ctx, '/login');
    await page.fill('#field-email', account.admin);
    await page.fill('#field-password', 'senha errada demais');
    await page.click('button[type=submit]');
    const alert = await page.waitForSelector('[role=alert]:has-text("E-mail ou senha incorretos")');
    assert.ok(alert);
    assert.match(page.url(), /\/login/);
    // The page came back from the server: the address typed is still there,
    // and the cursor waits in the password field.
    await waitForHydration(page);
    assert.equal(await page.inputValue('#field-email'), account.admin);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-password');

    await signIn(page, account.admin);
    assert.equal((await page.textContent('#account-name')).trim(), account.name);
  });
});

test('signing in works before the wasm loads (JavaScript disabled)', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await page.goto(BASE_URL + '/login?next=/settings/profile');
    await page.fill('#field-email', account.supervisor);
    await page.fill('#field-password', 'errada errada');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await page.textContent('[role=alert]'), /E-mail ou senha incorretos/);
    await page.fill('#field-email', account.supervisor);
    await page.fill('#field-password', DEMO_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.equal(new URL(page.url()).pathname, '/settings/profile');
    assert.equal(await page.inputValue('#field-name'), 'Sérgio Supervisor');
  }, { javaScriptEnabled: false });
});

test('a sign-in link pointing elsewhere lands on our own home page', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await page.goto(BASE_URL + '/login?next=' + encodeURIComponent('/\t/evil.example'));
    await page.fill('#field-email', account.agent);
    await page.fill('#field-password', DEMO_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.equal(new URL(page.url()).origin, new URL(BASE_URL).origin);
  }, { javaScriptEnabled: false });
});
