// AI agents in the browser: an admin finds the demo's agents from the flows
// page, writes a document into the global agent's knowledge base, and asks
// it a customer's question — answered from that document, with its source —
// then one asking for a person, which it would hand off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, BASE_URL, waitForHydration } from './helpers.mjs';

test('an admin teaches the global agent a document and tries it', async () => {
  const account = newAccount();
  const marker = unique();
  await withBrowser(async (context) => {
    const admin = await context.newPage();
    await signIn(admin, account.admin);
    await admin.goto(`${BASE_URL}/flows`);
    await waitForHydration(admin);
    await admin.click('#ai-agents-link');
    await admin.waitForURL(/\/flows\/agents$/);
    // The demo's three agents, on the offline engine.
    const global = admin.locator('#agents .ai-agent[data-agent="Assistente Demo"]');
    await global.waitFor();
    await admin.locator('#agents .ai-agent[data-agent="Suporte técnico"]').waitFor();
    await admin.locator('#agents .ai-agent[data-agent="Leitor de sentimento"]').waitFor();

    await global.locator('.open-knowledge').click();
    await global.locator('.knowledge-document[data-document="Pagamentos"]').waitFor();
    const title = `Cartão presente ${marker}`;
    await global.locator('.doc-title').fill(title);
    await global.locator('.doc-body').fill(
      'Vendemos cartão presente de 50, 100 e 200 reais, enviado por e-mail na hora da compra.',
    );
    await global.locator('.knowledge-form button[type="submit"]').click();
    await global.locator(`.knowledge-document[data-document="${title}"]`).waitFor();

    await global.locator('.agent-question').fill('Vocês vendem cartão presente?');
    await global.locator('.try-agent button[type="submit"]').click();
    const reply = global.locator('.agent-answer .agent-reply');
    await reply.waitFor();
    assert.match(await reply.innerText(), /50, 100 e 200 reais/);
    await global.locator('.agent-answer .agent-source', { hasText: title }).waitFor();

    // Rewritten, the document answers with its new text.
    await global.locator(`.knowledge-document[data-document="${title}"] .edit-document`).click();
    assert.match(await global.locator('.doc-body').inputValue(), /50, 100 e 200 reais/);
    await global.locator('.doc-body').fill(
      'Vendemos cartão presente de 50 a 500 reais, enviado por e-mail na hora da compra.',
    );
    await global.locator('.knowledge-form button[type="submit"]').click();
    // Saved, the form is a new document's again.
    await global.locator('.knowledge-form button[type="submit"]', { hasText: /Adicionar documento|Add document/ }).waitFor();
    await global.locator('.agent-question').fill('Vocês vendem cartão presente?');
    await global.locator('.try-agent button[type="submit"]').click();
    await global.locator('.agent-answer .agent-reply', { hasText: '50 a 500 reais' }).waitFor();

    // Positive control above; a customer asking for a person is handed off.
    await global.locator('.agent-question').fill('Quero falar com um atendente');
    await global.locator('.try-agent button[type="submit"]').click();
    await global.locator('.agent-answer .agent-handoff').waitFor();
    assert.equal(await global.locator('.agent-answer .agent-reply').count(), 0);
  });
});
