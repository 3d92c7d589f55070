// Inbox views: by department, connection, status and tag, each with how many
// conversations it holds and how many have unread messages — live — and a
// click away from the list they count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, openWidget } from './helpers.mjs';

const count = async (locator, attribute) => Number(await locator.getAttribute(attribute));

test('views count conversations and unread ones, live, and open their list', async () => {
  const account = newAccount();
  await withBrowser(async (context) => {
    const agent = await context.newPage();
    await signIn(agent, account.agent);
    // Live from here on: the socket is up (the reconnecting banner is gone).
    await agent.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await agent.getByRole('button', { name: 'Visões' }).click();
    const views = agent.locator('#inbox-views');
    const site = views.locator('[data-view-kind="channel"]', { hasText: 'Site Demo' });
    await site.waitFor();
    const before = await count(site, 'data-view-unread');
    const totalBefore = await count(site, 'data-view-total');

    const text = `Nova visão ${unique()}`;
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await visitor.locator('#ponte-widget textarea').fill(text);
      await visitor.locator('#ponte-widget textarea').press('Enter');
      await agent.waitForFunction(
        ([selector, wanted]) => [...document.querySelectorAll(selector)]
          .some((el) => el.textContent.includes('Site Demo') && Number(el.dataset.viewUnread) === wanted),
        ['#inbox-views [data-view-kind="channel"]', before + 1],
        { timeout: 15_000 },
      );
    });
    assert.equal(await count(site, 'data-view-total'), totalBefore + 1, 'one more conversation');
    const open = views.locator('[data-view-kind="status"][data-view-key="open"]');
    assert.ok(await count(open, 'data-view-total') >= 1, 'the new one is open');

    // A view is a list: the connection's conversations, the new one among them.
    await site.click();
    await agent.waitForURL(/[?&]channel=\d+/);
    await agent.locator('#conversation-list li', { hasText: text }).waitFor();
  });
});
