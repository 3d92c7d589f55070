// The satisfaction survey in the browser: an admin turns it on in Settings;
// an agent (who may not skip it) resolves; the customer taps a rating in the
// widget and leaves a comment; the agent sees both beside the conversation,
// live, and the conversation stays resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, openWidget, visitorSays as say, BASE_URL, waitForHydration } from './helpers.mjs';

test('a customer answers the widget survey and the agent sees the rating live', async () => {
  const account = newAccount();
  const marker = unique();
  await withBrowser(async (adminContext) => {
    const admin = await adminContext.newPage();
    await signIn(admin, account.admin);
    await admin.goto(`${BASE_URL}/settings/productivity`);
    await waitForHydration(admin);
    // Off, then on again: the switch is saved either way.
    await admin.locator('#survey-form').waitFor();
    await admin.uncheck('#field-satisfaction_survey');
    await admin.click('#survey-form button[type=submit]');
    await admin.locator('#survey-form [role="status"]').waitFor();
    await admin.reload();
    await waitForHydration(admin);
    assert.equal(await admin.isChecked('#field-satisfaction_survey'), false);
    await admin.check('#field-satisfaction_survey');
    await admin.click('#survey-form button[type=submit]');
    await admin.locator('#survey-form [role="status"]').waitFor();
  });

  await withBrowser(async (agentContext) => {
    const agent = await agentContext.newPage();
    await signIn(agent, account.agent);
    await agent.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await say(visitor, `Vocês entregam ${marker} em Recife?`);
      const row = agent.locator('#conversation-list li', { hasText: marker });
      await row.waitFor({ timeout: 15_000 });
      await row.locator('a').click();
      await agent.waitForURL(/\/inbox\/\d+/);
      await agent.fill('#composer-input', 'Entregamos sim, em até 3 dias.');
      await agent.press('#composer-input', 'Enter');
      await visitor.locator('#ponte-widget .out', { hasText: 'até 3 dias' }).waitFor({ timeout: 15_000 });

      await agent.click('#resolve');
      await agent.locator('#wrap-up-dialog').waitFor();
      // Agents may not resolve without the survey: no such choice for them.
      assert.equal(await agent.isVisible('#without-survey'), false);
      await agent.click('#confirm-wrap-up');
      await agent.locator('#conversation .status-badge[data-status="resolved"]').waitFor();

      // The widget asks, with one button per rating.
      await visitor.locator('#ponte-widget .out', { hasText: 'De 0 a 10' }).waitFor({ timeout: 15_000 });
      const buttons = visitor.locator('#ponte-widget .choices button');
      assert.equal(await buttons.count(), 11);
      await visitor.locator('#ponte-widget .choices button', { hasText: /^9$/ }).click();
      await visitor.locator('#ponte-widget .out', { hasText: 'Obrigado pela nota' }).waitFor({ timeout: 15_000 });
      await say(visitor, 'Resposta rápida, adorei!');
      await visitor.locator('#ponte-widget .out', { hasText: 'Obrigado pelo comentário' }).waitFor({ timeout: 15_000 });

      // Beside the conversation, live; and it is still resolved.
      await agent.locator('#customer-rating-score', { hasText: '9' }).waitFor({ state: 'attached', timeout: 15_000 });
      await agent.locator('#customer-rating-comment', { hasText: 'adorei' }).waitFor({ state: 'attached', timeout: 15_000 });
      assert.equal(await agent.locator('#conversation .status-badge[data-status="resolved"]').count(), 1);
    });
  });
});
