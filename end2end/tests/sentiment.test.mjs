// The offline AI reads how the customer feels, live beside the conversation:
// an angry first message, then two happy ones that turn it around.
import { test } from 'node:test';
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

      await say(visitor, 'Perfeito, muito obrigado! Vocês são ótimos');
      await say(visitor, 'Excelente, resolvido!');
      await agent.locator('#customer-feeling[data-feeling="positive"]').waitFor({ state: 'attached', timeout: 15_000 });
    });
  });
});
