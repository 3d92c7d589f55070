// Rules in the browser: an admin builds a keyword rule in the form builder
// (its mistakes named on the form), a customer writes the keyword in the
// widget, and — without a reload — the admin's open conversation turns
// critical and tagged, and the rule's log shows the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, openWidget, visitorSays as say, BASE_URL, waitForHydration } from './helpers.mjs';

test('an admin builds a rule in the form and watches it act live', async () => {
  const account = newAccount();
  const marker = unique();
  const name = `Reembolso ${marker}`;
  await withBrowser(async (context) => {
    const admin = await context.newPage();
    await signIn(admin, account.admin);
    await admin.goto(`${BASE_URL}/rules`);
    await waitForHydration(admin);
    // The demo's rules, in order; the VIP one switched off.
    await admin.locator('#rules-list .rule', { hasText: 'Ameaça de Procon ou Justiça' }).waitFor();
    await admin.locator('#rules-list .rule[data-enabled="false"]', { hasText: 'Cliente VIP irritado' }).waitFor();

    await admin.click('#new-rule');
    await admin.locator('#rule-form').waitFor();
    await admin.fill('#rule-name', name);
    // A keyword rule without keywords is refused, and says where.
    await admin.click('#save-rule');
    await admin.locator('#rule-form [role="alert"]', { hasText: /obrigatório|Required/i }).first().waitFor();
    await admin.fill('#rule-keywords', 'reembolso, estorno');
    await admin.press('#rule-keywords', 'Tab');
    // If: the customer wrote it. Then: critical (the starter) and a tag.
    await admin.click('#add-condition-group');
    await admin.locator('#rule-form .condition-kind').selectOption('message_from');
    await admin.locator('#rule-form .condition select[aria-label]').nth(1).waitFor();
    await admin.click('#add-action');
    await admin.locator('#rule-form .action-tag').fill('reembolso');
    await admin.press('#rule-form .action-tag', 'Tab');
    await admin.click('#save-rule');
    await admin.locator('#rule-form').waitFor({ state: 'detached', timeout: 15_000 });
    const card = admin.locator('#rules-list .rule', { hasText: name });
    await card.waitFor();
    assert.match(await card.locator('.rule-summary').textContent(), /Palavra-chave detectada: reembolso, estorno/);

    await admin.goto(`${BASE_URL}/inbox`);
    await waitForHydration(admin);
    await admin.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await say(visitor, `Olá, pedido ${marker}`);
      const row = admin.locator('#conversation-list li', { hasText: marker });
      await row.waitFor({ timeout: 15_000 });
      await row.locator('a').click();
      await admin.waitForURL(/\/inbox\/\d+/);
      await admin.locator('#critical[aria-pressed="false"]').waitFor();
      // The keyword arrives; the rule acts, and the open page follows.
      await say(visitor, 'Quero o REEMBOLSO agora.');
    });
    await admin.locator('#critical[aria-pressed="true"]').waitFor({ timeout: 20_000 });
    await admin.locator('#tags', { hasText: 'reembolso' }).waitFor({ timeout: 15_000 });
    await admin.locator('#timeline', { hasText: `⚡ ${name}` }).first().waitFor({ timeout: 15_000 });

    // The log: one run, done, with the condition that held.
    await admin.goto(`${BASE_URL}/rules`);
    await waitForHydration(admin);
    await admin.locator('#rules-list .rule', { hasText: name }).locator('.rule-log').click();
    const run = admin.locator('#rule-log .rule-run[data-outcome="done"]');
    await run.waitFor({ timeout: 15_000 });
    assert.match(await run.textContent(), /Mensagem escrita por/);
    assert.equal(await admin.locator('#rule-log .rule-run').count(), 1);
  });
});

test('a rule sends an approved WhatsApp template, a value per placeholder', async () => {
  const account = newAccount();
  const name = `Pedido enviado ${unique()}`;
  await withBrowser(async (context) => {
    const admin = await context.newPage();
    await signIn(admin, account.admin);
    await admin.goto(`${BASE_URL}/rules`);
    await waitForHydration(admin);
    await admin.click('#new-rule');
    await admin.locator('#rule-form').waitFor();
    await admin.fill('#rule-name', name);
    await admin.fill('#rule-keywords', 'rastreio');
    await admin.press('#rule-keywords', 'Tab');
    // The demo number's templates are offered; the chosen one asks for its
    // two placeholders.
    await admin.locator('#rule-form .action-kind').first().selectOption('send_template');
    await admin.locator('#rule-form .action-template').selectOption({ label: 'pedido_enviado (pt_BR)' });
    const values = admin.locator('#rule-form .action-template-value');
    await values.nth(1).waitFor();
    assert.equal(await values.count(), 2);
    await values.nth(0).fill('{{contact.name}}');
    await values.nth(0).press('Tab');
    await values.nth(1).fill('#{{conversation.number}}');
    await values.nth(1).press('Tab');
    await admin.click('#save-rule');
    await admin.locator('#rule-form').waitFor({ state: 'detached', timeout: 15_000 });
    const card = admin.locator('#rules-list .rule', { hasText: name });
    await card.waitFor();
    assert.match(await card.locator('.rule-summary').textContent(), /Enviar modelo do WhatsApp/);
    // Opened again, the rule shows the template and its values.
    await card.locator('.edit-rule').click();
    await admin.locator('#rule-form').waitFor();
    assert.equal(await admin.locator('#rule-form .action-template').inputValue(), 'pedido_enviado|pt_BR');
    assert.equal(await admin.locator('#rule-form .action-template-value').nth(1).inputValue(), '#{{conversation.number}}');
  });
});
