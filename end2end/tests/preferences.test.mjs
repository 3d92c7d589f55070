// Language and theme: switchable, and remembered across reloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, waitForHydration, newAccount, BASE_URL } from './helpers.mjs';

/** Resolves once the language/theme choice has been saved on the server. */
function saved(page) {
  return page.waitForResponse((r) => r.url().includes('/api/save_display_preferences') && r.ok());
}

test('switching the language to English and back to pt-BR', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.agent);
    const nav = page.locator('#sidebar nav');
    assert.match(await nav.innerText(), /Meu perfil/);
    const stored = saved(page);
    await page.selectOption('#language-switcher', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await nav.innerText(), /My profile/);
    // The choice is saved: a reload renders English on the server.
    await stored;
    await page.reload();
    await waitForHydration(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await nav.innerText(), /My profile/);

    await page.selectOption('#language-switcher', 'pt-BR');
    await page.waitForFunction(() => document.documentElement.lang === 'pt-BR');
    assert.match(await nav.innerText(), /Meu perfil/);
  });
});

test('the dark theme applies at once and survives a reload without a flash', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.supervisor);
    const stored = saved(page);
    await page.click('button[data-theme=dark]');
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'));
    const [r, g, b] = await page.evaluate(() => {
      // Normalise whatever colour syntax the stylesheet uses to RGB.
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.fillStyle = getComputedStyle(document.body).backgroundColor;
      ctx.fillRect(0, 0, 1, 1);
      return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3);
    });
    assert.ok(r + g + b < 90, `the page background is dark: rgb(${r}, ${g}, ${b})`);
    await stored;
    // Server-rendered with the class already set: check the raw HTML.
    const html = await (await ctx.request.get(page.url(), { headers: { accept: 'text/html' } })).text();
    assert.match(html, /<html lang="pt-BR" class="dark"/);
    await page.reload();
    await waitForHydration(page);
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('dark')));
  });
});

test('the sign-in page (served without the wasm) switches language and theme, and remembers both', async () => {
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await page.goto(BASE_URL + '/login');
    await waitForHydration(page);
    assert.equal((await page.textContent('h1')).trim(), 'Entrar no Ponte');

    await Promise.all([page.waitForNavigation(), page.selectOption('#language-switcher', 'en')]);
    await waitForHydration(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.textContent('h1')).trim(), 'Sign in to Ponte');

    const stored = saved(page);
    await page.click('button[data-theme=dark]');
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('dark')), 'dark at once');
    assert.equal(await page.getAttribute('button[data-theme=dark]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('button[data-theme=system]', 'aria-pressed'), 'false');
    await stored;
    await page.reload();
    await waitForHydration(page);
    assert.match(await page.getAttribute('html', 'class'), /\bdark\b/);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
  });
});
