// The offline AI reads how the customer feels, live beside the conversation:
// an angry first message, then two happy ones that turn it around.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, openWidget, visitorSays as say } from './helpers.mjs';

test('the side panel shows how the customer feels, and follows them live', async () => {
  const account = newAccount();
  const marker = unique();
  await withBrowser(async (context) => {
    const agent = await context.newPage();
    await signIn(agent, account.agent);
    await agent.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await say(visitor, `Péssimo atendimento, ninguém resolve nada! Pedido ${marker}`);
      const row = agent.locator('#conversation-list li', { hasText: marker });
      await row.waitFor({ timeout: 15_000 });
      await row.locator('a').click();
      await agent.waitForURL(/\/inbox\/\d+/);
      // The panel sits beside the conversation on wide screens (attached here).
      await agent.locator('#customer-feeling[data-feeling="negative"]').waitFor({ state: 'attached', timeout: 15_000 });
      await agent.locator('#customer-feeling p[role="status"]', { hasText: 'Insatisfeito' }).waitFor({ state: 'attached' });
      // The hostile message itself is marked in the timeline, in words too.
      const angry = agent.locator('#timeline [data-kind="incoming"]', { hasText: marker });
      await angry.locator('.message-feeling[data-feeling="negative"][aria-label="O cliente parece insatisfeito aqui (IA)"]').waitFor();

      await say(visitor, 'Perfeito, muito obrigado! Vocês são ótimos');
      await say(visitor, 'Excelente, resolvido!');
      await agent.locator('#customer-feeling[data-feeling="positive"]').waitFor({ state: 'attached', timeout: 15_000 });
      // Live, for messages that arrive while the conversation is open; a
      // neutral one carries no mark.
      await agent.locator('#timeline [data-kind="incoming"]', { hasText: 'Excelente, resolvido!' })
        .locator('.message-feeling[data-feeling="positive"]').waitFor({ timeout: 15_000 });
      await say(visitor, `Qual o horário de funcionamento? ${marker}`);
      const plain = agent.locator('#timeline [data-kind="incoming"]', { hasText: 'Qual o horário de funcionamento?' });
      await plain.waitFor({ timeout: 15_000 });
      assert.equal(await plain.locator('.message-feeling').count(), 0);
    });
  });
});
