// Agent activity: the idle timeout set on the settings page turns an agent
// idle and stops the timer; any input resumes it from where it stopped; a
// second tab keeps the agent active while the first is hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, newAccount, BASE_URL, waitForHydration } from './helpers.mjs';

async function setIdleTimeout(account, minutes) {
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/settings/productivity`);
    await waitForHydration(page);
    await page.fill('#field-idle_timeout_minutes', String(minutes));
    const saved = page.waitForResponse((r) => r.url().includes('/api/save_activity_settings'));
    await page.click('#productivity-form button[type=submit]');
    assert.equal((await saved).status(), 200);
  });
}

async function badge(page) {
  return page.getAttribute('#status-badge', 'data-status');
}

async function timerSeconds(page) {
  const text = await page.textContent('#active-timer');
  const [h, m, s] = text.trim().split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

function waitForStatus(page, status, timeout = 20_000) {
  return page.waitForFunction(
    (wanted) => document.querySelector('#status-badge')?.dataset.status === wanted,
    status,
    { timeout },
  );
}

/** Makes this tab report itself hidden, as switching to another app does. */
async function hide(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

test('no input turns the agent idle and stops the timer; a mouse move resumes it', async () => {
  const account = newAccount();
  await setIdleTimeout(account, 1);
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    // A fake clock that runs at real pace until the test jumps it forward.
    await page.clock.install();
    await signIn(page, account.agent);
    await waitForStatus(page, 'active');
    assert.equal(await page.getAttribute('#active-timer', 'role'), 'timer');
    assert.equal(await page.getAttribute('#active-timer', 'aria-label'), 'Tempo ativo');
    assert.equal(await page.getAttribute('#status-badge', 'role'), 'status');
    assert.equal((await page.textContent('#status-badge')).trim(), 'Ativo');

    // A minute and a bit without input.
    await page.clock.fastForward('01:05');
    await waitForStatus(page, 'idle');
    assert.equal((await page.textContent('#status-badge')).trim(), 'Ocioso');
    await page.waitForFunction(() => document.querySelector('#active-timer').dataset.running === 'false');
    // The server's figure replaces the local one: wait for it to settle.
    await page.waitForTimeout(1_500);
    const stopped = await timerSeconds(page);
    await page.waitForTimeout(2_500);
    assert.equal(await timerSeconds(page), stopped, 'the timer does not run while idle');

    await page.mouse.move(200, 200);
    await page.mouse.move(260, 240);
    await waitForStatus(page, 'active');
    await page.waitForTimeout(3_000);
    const resumed = await timerSeconds(page);
    assert.ok(resumed > stopped, `the timer runs again (${stopped} → ${resumed})`);
    assert.ok(resumed <= stopped + 8, `it resumes from where it stopped (${stopped} → ${resumed})`);

    // A reload shows the same server-recorded time.
    await page.reload();
    await waitForHydration(page);
    await waitForStatus(page, 'active');
    await page.waitForTimeout(1_000);
    const reloaded = await timerSeconds(page);
    assert.ok(reloaded >= resumed && reloaded <= resumed + 8, `after a reload ${reloaded} (was ${resumed})`);
  });
});

test('a second tab keeps the agent active while the first is hidden', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const first = await ctx.newPage();
    await signIn(first, account.agent);
    const second = await ctx.newPage();
    await second.goto(`${BASE_URL}/inbox`);
    await waitForHydration(second);
    await waitForStatus(first, 'active');
    await waitForStatus(second, 'active');

    await hide(first);
    // Past the time a lone hidden tab takes to report itself hidden.
    await first.waitForTimeout(4_000);
    assert.equal(await badge(first), 'active');
    assert.equal(await badge(second), 'active');

    // Positive control: with no Ponte tab in view, the agent is idle.
    await hide(second);
    await waitForStatus(first, 'idle');
    await waitForStatus(second, 'idle');
  });
});

test('the badge explains what is tracked and sets the agent away', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.agent);
    await waitForStatus(page, 'active');
    await page.click('#activity-menu summary');
    assert.match(await page.textContent('#activity-explanation'), /nunca registra o que você digita/);
    await page.click('#activity-away');
    await waitForStatus(page, 'away');
    assert.equal((await page.textContent('#status-badge')).trim(), 'Ausente');
    await page.click('#activity-back');
    await waitForStatus(page, 'active');
  });
});

test("a supervisor's dashboard shows an agent's status change live", async () => {
  const account = newAccount();
  await withBrowser(async (managerCtx) => {
    const board = await managerCtx.newPage();
    await signIn(board, account.supervisor);
    await board.goto(`${BASE_URL}/dashboard`);
    await waitForHydration(board);
    const row = board.locator(`#status-board tr[data-agent="${account.agent}"]`);
    // The agent has not signed in yet.
    assert.equal(await row.getAttribute('data-status'), 'offline');

    await withBrowser(async (agentCtx) => {
      const agent = await agentCtx.newPage();
      await signIn(agent, account.agent);
      await waitForStatus(agent, 'active');
      await board.waitForFunction(
        (email) => document.querySelector(`#status-board tr[data-agent="${email}"]`)?.dataset.status === 'active',
        account.agent,
        { timeout: 15_000 },
      );
      await agent.click('#activity-menu summary');
      await agent.click('#activity-away');
      await waitForStatus(agent, 'away');
      await board.waitForFunction(
        (email) => document.querySelector(`#status-board tr[data-agent="${email}"]`)?.dataset.status === 'away',
        account.agent,
        { timeout: 15_000 },
      );
      assert.match(await row.locator('.agent-status').innerText(), /Ausente/);
    });
  });
});
