// What a user walkthrough found, each as the user would hit it: phone
// numbers, drafts, the widget's size limit, quick-reply variables, double
// submits, search, and going offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, open, waitForHydration, unique, newAccount, openWidget, BASE_URL } from './helpers.mjs';

/** Calls a server function from the signed-in page, as the app does. */
async function call(page, endpoint, fields) {
  return page.evaluate(async ([endpoint, fields]) => {
    const reply = await fetch(`/api/${endpoint}`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { accept: 'application/json' },
    });
    return { status: reply.status, body: await reply.text() };
  }, [endpoint, fields]);
}

test('a Brazilian number typed without +55 is stored as +55 and found by its digits', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.supervisor);
    await page.goto(BASE_URL + '/inbox/2');
    await waitForHydration(page);
    if (!(await page.isVisible('#contact-form'))) await page.click('#toggle-contact');
    await page.fill('#contact-field-phone', '(11) 98765-4321');
    await page.click('#save-contact');
    // The panel re-renders with the saved contact: the field may be gone for a moment.
    await page.waitForFunction(() => document.querySelector('#contact-field-phone')?.value === '+5511987654321');
    for (const typed of ['98765-4321', '(11) 98765-4321']) {
      await page.goto(`${BASE_URL}/inbox?q=${encodeURIComponent(typed)}`);
      await waitForHydration(page);
      await page.locator('#conversation-list li[data-number="2"]').waitFor();
    }
  });
});

test('a draft survives switching conversations and reloading; the widget keeps its text open', async () => {
  const account = newAccount();
  const draft = `rascunho ${unique()}`;
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.agent);
    await page.goto(BASE_URL + '/inbox/1');
    await waitForHydration(page);
    await page.fill('#composer-input', draft);
    await page.click('#conversation-list li[data-number="3"] a');
    await page.waitForURL(/\/inbox\/3/);
    await page.locator('#conversation[data-number="3"]').waitFor();
    assert.equal(await page.inputValue('#composer-input'), '', 'another conversation has its own draft');
    await page.click('#conversation-list li[data-number="1"] a');
    await page.waitForURL(/\/inbox\/1/);
    await page.waitForFunction((text) => document.querySelector('#composer-input')?.value === text, draft);
    await page.reload();
    await waitForHydration(page);
    await page.waitForFunction((text) => document.querySelector('#composer-input')?.value === text, draft);
  });
  await withBrowser(async (ctx) => {
    const visitor = await openWidget(ctx, account);
    await visitor.locator('#ponte-widget textarea').fill('quase pronto');
    await visitor.reload();
    await visitor.waitForSelector('#ponte-widget', { state: 'attached' });
    await visitor.waitForFunction(() => {
      const root = document.querySelector('#ponte-widget').shadowRoot;
      return root.querySelector('.panel.open') && root.querySelector('textarea').value === 'quase pronto';
    });
  });
});

test('the widget says a file is too large in the chat, in the visitor\'s language', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const admin = await ctx.newPage();
    await signIn(admin, account.admin);
    const saved = await call(admin, 'update_account_settings', {
      name: account.name, support_email: '', timezone: 'America/Sao_Paulo',
      default_locale: 'pt-BR', default_theme: 'system', attachment_limit_mb: '1',
    });
    assert.equal(saved.status, 200, saved.body);
  });
  await withBrowser(async (ctx) => {
    const visitor = await openWidget(ctx, account);
    let dialogs = 0;
    visitor.on('dialog', (dialog) => { dialogs += 1; dialog.dismiss(); });
    await visitor.locator('#ponte-widget input[type=file]').setInputFiles({
      name: 'grande.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(2 * 1024 * 1024, 1),
    });
    await visitor.locator('#ponte-widget .sys', { hasText: 'Arquivo grande demais: o limite é 1 MB.' }).waitFor();
    assert.equal(dialogs, 0, 'no browser alert');
  });
});

test('quick-reply variables with no value disappear cleanly, in the preview too', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    // An anonymous visitor writes first.
    const visitor = await openWidget(ctx, account);
    const text = `sem nome ${unique()}`;
    await visitor.locator('#ponte-widget textarea').fill(text);
    await visitor.locator('#ponte-widget textarea').press('Enter');
    const agent = await ctx.newPage();
    await signIn(agent, account.agent);
    const row = agent.locator('#conversation-list li', { hasText: text });
    await row.waitFor();
    await row.locator('a').click();
    await agent.locator('#composer-input').waitFor();
    await agent.fill('#composer-input', '/ola');
    const expected = 'Olá! Sou Alice Atendente, da Demo. Como posso ajudar?';
    await agent.locator('#quick-replies', { hasText: expected }).waitFor();
    assert.doesNotMatch(await agent.textContent('#quick-replies'), /\{\{/);
    await agent.press('#composer-input', 'Enter');
    assert.equal(await agent.inputValue('#composer-input'), expected);
  });
});

test('a double click creates one invitation and one channel', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(BASE_URL + '/settings/users');
    await waitForHydration(page);
    const email = `dupla.${unique()}@example.com`;
    await page.fill('#field-email', email);
    await page.dblclick('#invite-heading ~ form button[type=submit]');
    const link = await (await page.waitForSelector('#invite-link')).inputValue();
    assert.equal(await page.inputValue('#field-email'), '', 'the form is cleared once sent');
    await page.click('#invite-heading ~ form button[type=submit]');
    await page.locator('#field-email[aria-invalid=true], #field-email:invalid').first().waitFor();
    assert.equal(await page.locator('#pending-invites li', { hasText: email }).count(), 1);
    // The link the admin copied still works.
    const preview = await call(page, 'preview_invitation', { token: new URL(link).pathname.split('/').pop() });
    assert.equal(preview.status, 200, preview.body);

    await page.goto(BASE_URL + '/settings/channels');
    await waitForHydration(page);
    const name = `Loja ${unique()}`;
    await page.fill('#new-channel [name="channel[name]"]', name);
    await page.fill('#new-channel [name="channel[allowed_origins]"]', 'loja.exemplo.com.br');
    await page.dblclick('#new-channel button[type=submit]');
    await page.locator('#channels-list section', { hasText: name }).first().waitFor();
    assert.equal(await page.locator('#channels-list section', { hasText: name }).count(), 1);
    assert.match(await page.textContent('#channels-list'), /https:\/\/loja\.exemplo\.com\.br/);
  });
});

test('search ignores accents, looks in resolved conversations and jumps to the message', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.supervisor);
    // João asked "Vocês emitem nota fiscal para CNPJ?"; resolve his conversation.
    const resolved = await page.evaluate(async () => {
      const reply = await fetch('/api/set_conversation_status', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ number: 2, status: 'resolved', snooze_until: null }),
      });
      return reply.status;
    });
    assert.equal(resolved, 200);
    await page.goto(BASE_URL + '/inbox');
    await waitForHydration(page);
    await page.fill('#inbox-search', 'voces emitem');
    const row = page.locator('#conversation-list li[data-number="2"]');
    await row.waitFor();
    assert.match(await row.locator('mark').first().textContent(), /Vocês emitem/i);
    assert.match(page.url(), /q=voces/, 'searched as typed, without Enter');
    await page.press('#inbox-search', 'Escape');
    assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'inbox-search', 'Esc leaves the box');
    await row.locator('a').click();
    await page.locator('[data-flash="true"]', { hasText: 'Vocês emitem' }).waitFor();

    await page.goto(BASE_URL + '/inbox?q=' + encodeURIComponent('nada disso existe'));
    await waitForHydration(page);
    await page.locator('#search-empty').waitFor();
  });
});

test('offline: a reconnecting banner, then it clears and the queued message goes out', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.agent);
    await page.goto(BASE_URL + '/inbox/1');
    await waitForHydration(page);
    await page.locator('#composer-input').waitFor();
    await ctx.setOffline(true);
    await page.locator('#offline-banner').waitFor();
    const text = `enviada depois ${unique()}`;
    await page.fill('#composer-input', text);
    await page.press('#composer-input', 'Enter');
    await page.locator(`#timeline [data-kind="outgoing"]:has-text("${text}") [data-delivery="failed"]`).waitFor();
    await ctx.setOffline(false);
    await page.locator('#offline-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator(`#timeline [data-kind="outgoing"]:has-text("${text}") [data-delivery="sent"]`).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#conversation [role=alert]').count(), 0, 'no stale error');
  });
});

test('the audit log says what changed in words, and the API docs are a click away', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(BASE_URL + '/settings/account');
    await waitForHydration(page);
    await page.selectOption('#field-timezone', 'America/Manaus');
    await page.click('main button[type=submit]');
    await page.locator('main [role=status]').first().waitFor();

    await page.goto(BASE_URL + '/audit');
    await waitForHydration(page);
    const entry = page.locator('tr[data-action="account_settings_changed"]').first();
    await entry.waitFor();
    const words = await entry.innerText();
    assert.match(words, /Fuso horário: America\/Sao_Paulo → America\/Manaus/);
    assert.doesNotMatch(words, /[{}"]/, 'no raw JSON');
    assert.match(words, /Conta: /, 'the target is named, not numbered');

    await page.goto(BASE_URL + '/settings/api-tokens');
    await waitForHydration(page);
    await page.click('#api-docs-link');
    await page.locator('#api-docs h1', { hasText: 'REST API v1' }).waitFor();
    assert.ok(await page.locator('#api-docs table').count() > 0, 'tables are rendered, not Markdown source');
  });
});
