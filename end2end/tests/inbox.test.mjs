// The inbox in real browsers: a website visitor, an agent and a supervisor,
// everything live, nothing reloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, waitForHydration, unique, newAccount, openWidget, BASE_URL } from './helpers.mjs';

test('a visitor message reaches the agent live; reply, quick reply, note and resolve', async () => {
  const account = newAccount();
  const text = `Olá, preciso de ajuda ${unique()}`;
  await withBrowser(async (agentContext) => {
    const agent = await agentContext.newPage();
    await signIn(agent, account.agent);
    assert.match(agent.url(), /\/inbox/);
    await withBrowser(async (supervisorContext) => {
      const supervisor = await supervisorContext.newPage();
      await signIn(supervisor, account.supervisor);
      await withBrowser(async (visitorContext) => {
        const visitor = await openWidget(visitorContext, account);
        await visitor.locator('#ponte-widget textarea').fill(text);
        await visitor.locator('#ponte-widget textarea').press('Enter');

        // Without a reload, the conversation shows up with an unread badge.
        const row = agent.locator('#conversation-list li', { hasText: text });
        await row.waitFor({ timeout: 10_000 });
        assert.equal((await row.locator('.unread-badge').textContent()).trim(), '1');
        await row.locator('a').click();
        await agent.waitForURL(/\/inbox\/\d+/);
        const number = agent.url().match(/\/inbox\/(\d+)/)[1];
        await agent.locator('#timeline', { hasText: text }).waitFor();
        // Opening it marks it read.
        await agent.locator(`#conversation-list li[data-number="${number}"][data-unread="0"]`).waitFor();

        // A quick reply with "/": picked with Enter, variables filled in.
        await agent.fill('#composer-input', '/ola');
        await agent.locator('#quick-replies').waitFor();
        await agent.press('#composer-input', 'Enter');
        assert.match(await agent.inputValue('#composer-input'), /Sou Alice Atendente, da Demo/);
        await agent.press('#composer-input', 'Enter');
        await visitor.locator('#ponte-widget .out', { hasText: 'Sou Alice Atendente' }).waitFor({ timeout: 10_000 });
        assert.match(await visitor.locator('#ponte-widget .out .who').last().textContent(), /Alice Atendente/);

        // An internal note stays inside.
        await agent.click('#mode-note');
        await agent.fill('#composer-input', 'Nota secreta: cliente importante');
        await agent.press('#composer-input', 'Enter');
        await agent.locator('#timeline [data-kind="note"]', { hasText: 'Nota secreta' }).waitFor();
        await agent.click('#mode-reply');
        await agent.fill('#composer-input', 'Mais alguma coisa?');
        await agent.press('#composer-input', 'Enter');
        await visitor.locator('#ponte-widget .out', { hasText: 'Mais alguma coisa?' }).waitFor();
        assert.equal(await visitor.locator('#ponte-widget').evaluate((host) => host.shadowRoot.textContent.includes('Nota secreta')), false);

        // The supervisor's open inbox follows the agent's resolve, live.
        await supervisor.goto(BASE_URL + '/inbox');
        await waitForHydration(supervisor);
        const theirRow = supervisor.locator(`#conversation-list li[data-number="${number}"]`);
        await theirRow.waitFor();
        // The account has categories: resolving goes through the wrap-up
        // (optional here, so confirming without a pick resolves).
        await agent.click('#resolve');
        await agent.click('#confirm-wrap-up');
        await agent.locator('#conversation .status-badge[data-status="resolved"]').waitFor();
        await theirRow.waitFor({ state: 'detached', timeout: 10_000 });
      });
    });
  });
});

test('on a phone the agent opens a conversation, replies and goes back', async () => {
  const account = newAccount();
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.agent);
    assert.equal(await page.isVisible('#conversation-list'), true);
    // A chat (the demo's e-mail conversation has a subject, and no SMTP server to send by).
    const first = page.locator('#conversation-list li:not(:has([data-subject])) a').first();
    await first.click();
    await page.waitForURL(/\/inbox\/\d+/);
    await page.locator('#conversation').waitFor();
    assert.equal(await page.isVisible('#conversation-list'), false, 'one pane at a time');
    const reply = `Respondendo pelo celular ${unique()}`;
    await page.fill('#composer-input', reply);
    await page.click('#send');
    await page.locator('#timeline [data-kind="outgoing"]', { hasText: reply }).waitFor();
    await page.locator(`#timeline [data-kind="outgoing"]:has-text("${reply}") [data-delivery="sent"]`).waitFor();
    await page.click('#back-to-list');
    await page.waitForURL((url) => url.pathname === '/inbox');
    await page.locator('#conversation-list').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  }, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
});

test('keyboard: ? shows the shortcuts, j opens the next conversation', async () => {
  const account = newAccount();
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.supervisor);
    // Signing in navigates in the browser: the inbox's shortcuts exist once
    // it has rendered.
    await page.locator('#conversation-list li').first().waitFor();
    await page.keyboard.press('?');
    await page.locator('#shortcuts-help').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#shortcuts-help').waitFor({ state: 'detached' });
    await page.keyboard.press('j');
    await page.waitForURL(/\/inbox\/\d+/);
  });
});
