// Interaction categories: an admin adds one under a parent and makes them
// required; an agent can then resolve only through the wrap-up dialog,
// picking a category.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, newAccount, BASE_URL, waitForHydration, unique } from './helpers.mjs';

test('an agent wraps a conversation up with a required category', async () => {
  const account = newAccount();
  const name = `Garantia ${unique()}`;
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/settings/categories`);
    await waitForHydration(page);
    // The demo's tree is there, children indented under their parents.
    await page.locator('#category-tree li[data-category="Entrega"]').waitFor();
    await page.fill('#category-form #field-name', name);
    await page.selectOption('#field-parent_id', { label: 'Pedidos' });
    await page.click('#category-form button[type=submit]');
    await page.locator(`#category-tree li[data-category="${name}"]`).waitFor();

    await page.check('#categories-required');
    const saved = page.waitForResponse((r) => r.url().includes('/api/set_category_requirement'));
    await page.click('#category-requirement button[type=submit]');
    assert.equal((await saved).status(), 200);
  });

  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.agent);
    await page.goto(`${BASE_URL}/inbox/2`);
    await waitForHydration(page);
    await page.click('#resolve');
    const dialog = page.locator('#wrap-up-dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /ao menos uma categoria/);
    // Required: the button waits for a pick.
    assert.ok(await page.isDisabled('#confirm-wrap-up'));
    await page.check(`#wrap-up-categories input[data-category="${name}"]`);
    await page.click('#confirm-wrap-up');
    await page.locator('#reopen').waitFor();
    await dialog.waitFor({ state: 'detached' });
  });
});
