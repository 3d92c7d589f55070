// The AI quality score workflow in the browser: a supervisor sets the
// threshold in Settings; an agent resolves a conversation whose customer
// left angry; the supervisor's bell rings live, and the conversation is
// critical with the AI's score and justification beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, openWidget, visitorSays as say, BASE_URL, waitForHydration } from './helpers.mjs';

test('a low AI score on a resolution alerts the manager live and marks the conversation critical', async () => {
  const account = newAccount();
  const marker = unique();
  await withBrowser(async (managerContext) => {
    const manager = await managerContext.newPage();
    await signIn(manager, account.supervisor);
    await manager.goto(`${BASE_URL}/settings/productivity`);
    await waitForHydration(manager);
    // A supervisor sets the quality threshold, not the idleness rules.
    await manager.locator('#quality-form').waitFor();
    assert.equal(await manager.locator('#productivity-form').count(), 0);
    await manager.fill('#field-quality_threshold', '11');
    await manager.click('#quality-form button[type=submit]');
    await manager.locator('#field-quality_threshold[aria-invalid="true"]').waitFor();
    await manager.fill('#field-quality_threshold', '8,5');
    await manager.click('#quality-form button[type=submit]');
    await manager.locator('#quality-form [role="status"]').waitFor();

    await manager.goto(`${BASE_URL}/inbox`);
    await waitForHydration(manager);
    await manager.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });

    await withBrowser(async (agentContext) => {
      const agent = await agentContext.newPage();
      await signIn(agent, account.agent);
      await agent.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
      await withBrowser(async (visitorContext) => {
        const visitor = await openWidget(visitorContext, account);
        await say(visitor, `Meu pedido ${marker} não chegou até hoje.`);
        const row = agent.locator('#conversation-list li', { hasText: marker });
        await row.waitFor({ timeout: 15_000 });
        await row.locator('a').click();
        await agent.waitForURL(/\/inbox\/\d+/);
        await agent.fill('#composer-input', 'Vou verificar.');
        await agent.press('#composer-input', 'Enter');
        await visitor.locator('#ponte-widget .out', { hasText: 'Vou verificar.' }).waitFor({ timeout: 15_000 });
        await say(visitor, 'Péssimo atendimento, estou furioso, vou cancelar tudo!');
        await agent.locator('#timeline', { hasText: 'vou cancelar tudo' }).waitFor({ timeout: 15_000 });
        await agent.click('#resolve');
        await agent.click('#confirm-wrap-up');
        await agent.locator('#conversation .status-badge[data-status="resolved"]').waitFor();
      });
    });

    // The manager's bell rings without a reload.
    const alert = manager.locator('#notifications li', { hasText: 'A IA deu nota baixa' });
    await alert.waitFor({ state: 'attached', timeout: 20_000 });
    await manager.click('#notifications summary');
    await alert.locator('a').click();
    await manager.waitForURL(/\/inbox\/\d+/);
    await manager.locator('#critical[aria-pressed="true"]').waitFor({ timeout: 15_000 });
    await manager.locator('#timeline', { hasText: 'IA: nota de qualidade' }).waitFor();
    await manager.locator('#quality-review[data-low="true"]').waitFor({ state: 'attached', timeout: 15_000 });
    const justification = await manager.locator('#quality-justification').textContent();
    assert.match(justification, /ficou sem resposta/);
    assert.match(justification, /insatisfeito/);
  });
});
