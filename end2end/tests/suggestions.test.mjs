// The offline AI helping an agent in the browser. Suggested replies: what
// the agent answered one customer is offered, live, when another asks the
// same; the demo's /prazo quick reply when a customer asks about delivery
// times; a click or Alt+1 puts one into the composer — only sending sends
// it. The wrap-up dialog's suggested category; the side panel's summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, openWidget, visitorSays as say } from './helpers.mjs';

/** The account's agent, signed in and connected, in `context`. */
async function agentOf(context, account) {
  const agent = await context.newPage();
  await signIn(agent, account.agent);
  await agent.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
  return agent;
}

/** The agent opens the conversation whose customer wrote `text`. */
async function openConversationOf(agent, text) {
  const row = agent.locator('#conversation-list li', { hasText: text });
  await row.waitFor({ timeout: 15_000 });
  await row.locator('a').click();
  await agent.locator('#timeline [data-kind="incoming"]', { hasText: text }).first().waitFor({ timeout: 15_000 });
}

/** The agent types and sends `reply`; the customer's widget shows it. */
async function answerCustomer(agent, visitor, reply) {
  await agent.fill('#composer-input', reply);
  await agent.press('#composer-input', 'Enter');
  await visitor.locator('#ponte-widget .out', { hasText: reply }).waitFor({ timeout: 15_000 });
}

test('suggested replies appear live and insert into the composer', async () => {
  const account = newAccount();
  const marker = unique();
  const answer = 'Aceitamos boleto bancário, sim! Ele vence em 3 dias.';
  await withBrowser(async (agentContext) => {
    const agent = await agentOf(agentContext, account);
    // A first customer asks; the agent answers in their own words.
    await withBrowser(async (firstContext) => {
      const first = await openWidget(firstContext, account);
      await say(first, `Vocês aceitam boleto bancário ${marker}?`);
      await openConversationOf(agent, `boleto bancário ${marker}`);
      await answerCustomer(agent, first, answer);
    });

    await withBrowser(async (secondContext) => {
      const second = await openWidget(secondContext, account);
      // Its own token, so nothing in it resembles the first question.
      const greeting = `Olá, tudo bem? Aqui é ${unique()}.`;
      await say(second, greeting);
      const asked = agent.waitForResponse((r) => r.url().includes('reply_suggestions'));
      await openConversationOf(agent, greeting);
      await asked;
      await agent.locator('#composer-input').waitFor();
      // Positive control below: a greeting alone has nothing to suggest.
      assert.equal(await agent.locator('#suggested-replies').count(), 0);

      // The same question: the earlier answer is offered without a reload.
      await say(second, `Aceitam boleto bancário ${marker}?`);
      const past = agent.locator('#suggested-replies .suggested-reply[data-source="past_answer"]', { hasText: 'Aceitamos boleto' });
      await past.waitFor({ timeout: 15_000 });
      await past.click();
      assert.equal(await agent.inputValue('#composer-input'), answer);
      await agent.fill('#composer-input', '');

      // Delivery times: the /prazo quick reply, first, by keyboard.
      await say(second, 'E qual o prazo de entrega?');
      const quick = agent.locator('#suggested-replies .suggested-reply').first();
      await agent.locator('#suggested-replies .suggested-reply[data-source="quick_reply"]', { hasText: 'prazo de entrega' }).waitFor({ timeout: 15_000 });
      assert.equal(await quick.getAttribute('data-source'), 'quick_reply');
      await agent.locator('#composer-input').focus();
      await agent.keyboard.press('Alt+Digit1');
      const inserted = await agent.inputValue('#composer-input');
      assert.match(inserted, /^O prazo de entrega é de 3 a 5 dias úteis/);
      // Nothing went to the customer until the agent sends it.
      assert.equal(await second.locator('#ponte-widget .out', { hasText: 'prazo de entrega é' }).count(), 0);
      await agent.press('#composer-input', 'Enter');
      await second.locator('#ponte-widget .out', { hasText: 'prazo de entrega é de 3 a 5 dias' }).waitFor({ timeout: 15_000 });
    });
  });
});

test('the wrap-up dialog suggests the category similar conversations got', async () => {
  // The demo's history: customers whose order had not arrived, filed under
  // "Entrega".
  const account = newAccount();
  const marker = unique();
  await withBrowser(async (agentContext) => {
    const agent = await agentOf(agentContext, account);
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await say(visitor, `Olá! Meu pedido ainda não chegou. ${marker}`);
      await openConversationOf(agent, marker);
      await answerCustomer(agent, visitor, 'Já verifiquei: sai para entrega amanhã.');

      await agent.click('#resolve');
      await agent.locator('#wrap-up-dialog').waitFor();
      const chip = agent.locator('#suggested-categories .suggested-category[data-category="Entrega"]');
      await chip.waitFor({ timeout: 15_000 });
      const box = agent.locator('#wrap-up-categories input[data-category="Entrega"]');
      // Suggested, not chosen: the agent decides.
      assert.equal(await box.isChecked(), false);
      await chip.click();
      assert.equal(await box.isChecked(), true);
      assert.equal(await chip.getAttribute('aria-pressed'), 'true');
      await agent.click('#confirm-wrap-up');
      await agent.locator('#conversation .status-badge[data-status="resolved"]').waitFor();
    });
  });
});

test('an agent summarizes the open conversation from the side panel', async () => {
  const account = newAccount();
  const marker = unique();
  await withBrowser(async (agentContext) => {
    const agent = await agentOf(agentContext, account);
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await say(visitor, `Preciso trocar o tamanho da camiseta ${marker}.`);
      await openConversationOf(agent, marker);
      await answerCustomer(agent, visitor, 'Claro! A troca é grátis, enviei a etiqueta por e-mail.');

      // The side panel is beside the conversation on wide screens, a
      // button away on narrow ones.
      const summarize = agent.locator('#summarize');
      await summarize.waitFor({ state: 'attached', timeout: 15_000 });
      if (!(await summarize.isVisible())) await agent.click('#toggle-contact');
      await summarize.click();
      const text = agent.locator('#summary-text');
      await text.waitFor();
      assert.match(await text.innerText(), new RegExp(`Pedido: .*camiseta ${marker}`));
      assert.match(await text.innerText(), /Resposta: .*etiqueta/);
    });
  });
});
