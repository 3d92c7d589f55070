// The flow builder: blocks dragged in from the palette and connected by
// dragging from their outputs, undo/redo, the test chat's path, publishing —
// and the published flow answering a website visitor and handing them to the
// department they chose, whose inbox then shows the bot's messages.
// An AI classify block by category takes its outputs from the ticked categories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, waitForHydration, unique, newAccount, openWidget, BASE_URL } from './helpers.mjs';

/** Drags a palette block onto the canvas at (x, y) of the canvas. */
async function dropBlock(page, type, x, y) {
  const before = await page.locator(`#flow-canvas [data-type="${type}"]`).count();
  await page.locator(`[data-palette="${type}"]`).dragTo(page.locator('#flow-canvas'), { targetPosition: { x, y } });
  await page.locator(`#flow-canvas [data-type="${type}"]`).nth(before).waitFor();
  return page.locator(`#flow-canvas [data-type="${type}"]`).nth(before).getAttribute('data-block');
}

/** Drags from a block's output handle onto another block. */
async function connect(page, from, output, to) {
  await page.locator(`[data-block="${from}"] [data-output="${output}"]`)
    .dragTo(page.locator(`[data-block="${to}"]`), { targetPosition: { x: 100, y: 30 } });
  await page.locator(`[data-edge="${from}:${output}->${to}"]`).waitFor({ state: 'attached' });
}

test('an admin builds a flow by dragging, tests and publishes it, and a visitor is handed to Suporte', async () => {
  const account = newAccount({ withFlow: true });
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.admin);

    // The demo's example flow is listed with the run its seed made.
    await page.goto(`${BASE_URL}/flows`);
    await waitForHydration(page);
    await page.locator('#flows-list article[data-flow="Recepção do site"]').waitFor();
    const demo = page.locator('#flows-list article[data-flow="Recepção do site"]');
    assert.equal((await demo.locator('[data-count="handed_off"] dd').textContent()).trim(), '1');

    const name = `Atendimento ${unique()}`;
    await page.fill('#new-flow-name', name);
    await page.locator('#new-flow-name').press('Enter');
    await page.waitForURL(/\/flows\/\d+$/);
    await page.locator('[data-block="inicio"]').waitFor();
    await page.locator('#save-state[data-state="saved"]').waitFor();

    // The start: a keyword (the demo's new-conversation flow stays as it is).
    await page.locator('[data-block="inicio"]').click();
    await page.selectOption('#trigger-kind', 'keyword');
    await page.fill('#trigger-keywords', 'atendimento');

    // Delete the starter's end block; undo brings it back, redo removes it.
    await page.locator('[data-block="fim"]').click();
    await page.keyboard.press('Delete');
    await page.locator('[data-block="fim"]').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+z');
    await page.locator('[data-block="fim"]').waitFor();
    await page.keyboard.press('Control+Shift+z');
    await page.locator('[data-block="fim"]').waitFor({ state: 'detached' });
    await page.locator('#undo').click();
    await page.locator('[data-block="fim"]').waitFor();
    await page.locator('#redo').click();
    await page.locator('[data-block="fim"]').waitFor({ state: 'detached' });

    const greeting = await dropBlock(page, 'send_text', 160, 250);
    await page.fill('#block-text', 'Olá! Sou o robô de teste.');
    const menu = await dropBlock(page, 'menu', 160, 400);
    await page.fill('#block-text', 'Com quem você quer falar?');
    await page.fill('#menu-option-1', 'Vendas');
    await page.fill('#menu-option-2', 'Suporte');
    const toSales = await dropBlock(page, 'transfer', 130, 560);
    await page.selectOption('#block-department', { label: 'Vendas' });
    const toSupport = await dropBlock(page, 'transfer', 400, 560);
    await page.selectOption('#block-department', { label: 'Suporte' });

    await connect(page, 'inicio', 'next', greeting);
    await connect(page, greeting, 'next', menu);
    await connect(page, menu, 'op1', toSales);
    await connect(page, menu, 'op2', toSupport);
    await page.locator('#flow-problems [data-problem]').first().waitFor({ state: 'detached' });

    // The test chat runs the draft on the server and shows the path.
    await page.locator('#test-start').click();
    await page.locator('#test-transcript li', { hasText: 'Olá! Sou o robô de teste.' }).waitFor();
    await page.locator('#test-transcript li', { hasText: '2 - Suporte' }).waitFor();
    await page.fill('#test-message', '2');
    await page.locator('#test-message').press('Enter');
    await page.locator('#test-ended').waitFor();
    assert.equal(
      (await page.locator('#test-path').textContent()).trim(),
      `inicio → ${greeting} → ${menu} → ${toSupport}`,
    );
    assert.ok((await page.locator('#test-ended').textContent()).includes('handed_off'));
    assert.equal(await page.locator(`[data-block="${toSupport}"][data-current="true"]`).count(), 1, 'the current block is lit');

    await page.locator('#save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
    await page.locator('#publish').click();
    await page.locator('#publish-result', { hasText: '1' }).waitFor();

    // A visitor asks for "atendimento", chooses 2 and is handed to Suporte.
    const marker = `Obrigado ${unique()}`;
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      const box = visitor.locator('#ponte-widget textarea');
      await box.fill('Quero atendimento, por favor');
      await box.press('Enter');
      await visitor.locator('#ponte-widget .out', { hasText: 'Olá! Sou o robô de teste.' }).waitFor({ timeout: 10_000 });
      await visitor.locator('#ponte-widget .out', { hasText: 'Com quem você quer falar?' }).waitFor();
      // Each one stored (its tick) before the next, so they arrive in order.
      const stored = (text) => visitor.locator('#ponte-widget .msg.in', { hasText: text }).locator('.tick').waitFor();
      // The menu's options are buttons; a tap answers with the option's name.
      await visitor.locator('#ponte-widget .choices button', { hasText: 'Suporte' }).click();
      await stored('Suporte');
      assert.equal(await visitor.locator('#ponte-widget .choices').count(), 0, 'answered, the buttons go');
      await box.fill(marker);
      await box.press('Enter');
      await stored(marker);
    });

    await page.goto(`${BASE_URL}/inbox`);
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Visões' }).click();
    await page.locator('#inbox-views [data-view-kind="department"]', { hasText: 'Suporte' }).click();
    await page.waitForURL(/[?&]department=\d+/);
    const row = page.locator('#conversation-list li', { hasText: marker });
    await row.waitFor({ timeout: 15_000 });
    await row.locator('a').click();
    const timeline = page.locator('#timeline');
    await timeline.locator('text=Olá! Sou o robô de teste.').waitFor();
    await timeline.locator(`text=${name}`).first().waitFor();
  });
});

test('an agent starts a flow by hand from the conversation, and the customer gets its menu', async () => {
  const account = newAccount({ withFlow: true });
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.admin);
    // Beatriz went through the demo flow and is with Suporte now.
    const row = page.locator('#conversation-list li', { hasText: 'Beatriz Alves' });
    await row.waitFor();
    await row.locator('a').click();
    const timeline = page.locator('#timeline');
    const menus = timeline.locator('text=Com quem você quer falar?');
    await menus.first().waitFor();
    assert.equal(await menus.count(), 1);
    const badge = page.locator('#conversation > header .status-badge');
    assert.notEqual(await badge.getAttribute('data-status'), 'bot', 'people have it before the start');

    await page.locator('#toggle-contact').click();
    const starter = page.locator('#flow-starter');
    await starter.locator('#flow-starter-flow option', { hasText: 'Recepção do site' }).waitFor({ state: 'attached' });
    await starter.getByRole('button', { name: 'Iniciar' }).click();
    await starter.getByRole('status').waitFor();

    // The flow's menu goes out again, live, and the conversation is the bot's.
    await menus.nth(1).waitFor({ timeout: 10_000 });
    await page.locator('#conversation > header .status-badge[data-status="bot"]').waitFor();
    assert.equal(await badge.getAttribute('data-status'), 'bot');
  });
});

test('on a touch screen, two fingers zoom the canvas; the panel points at a field\'s problem and renames a block', async () => {
  const account = newAccount({ withFlow: true });
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/flows`);
    await waitForHydration(page);
    await page.locator('#flows-list article[data-flow="Recepção do site"] a').click();
    await page.waitForURL(/\/flows\/\d+$/);
    const canvas = page.locator('#flow-canvas');
    await page.locator('[data-block="menu"]').waitFor();
    await page.locator('#zoom-fit').click();

    // Two fingers on the background, spreading apart: the canvas zooms in.
    const box = await canvas.boundingBox();
    const y = box.y + box.height - 15; // below the lowest blocks (fit leaves a margin)
    const x = box.x + box.width / 2;
    const before = Number(await canvas.getAttribute('data-zoom'));
    const cdp = await context.newCDPSession(page);
    const touch = (type, spread) => cdp.send('Input.dispatchTouchEvent', {
      type,
      touchPoints: type === 'touchEnd' ? [] : [{ x: x - spread, y, id: 1 }, { x: x + spread, y, id: 2 }],
    });
    await touch('touchStart', 40);
    for (const spread of [50, 60, 70, 80]) await touch('touchMove', spread);
    await touch('touchEnd', 0);
    const after = Number(await canvas.getAttribute('data-zoom'));
    assert.ok(after > before * 1.5, `zoom ${before} → ${after}`);
    await page.locator('#zoom-fit').click();

    // Emptying the menu's question: the field says what is wrong, at once.
    await page.locator('[data-block="menu"]').click();
    assert.equal(await page.locator('#block-text-problem').count(), 0, 'no problem while the text is there');
    await page.fill('#block-text', '');
    await page.locator('#block-text-problem').waitFor();
    assert.equal(await page.locator('#block-text').getAttribute('aria-invalid'), 'true');
    await page.fill('#block-text', 'Com quem?');
    await page.locator('#block-text-problem').waitFor({ state: 'detached' });

    // The block's id renamed in place: its edges follow it.
    await page.fill('#block-id', 'escolha');
    await page.locator('#block-id').press('Tab');
    await page.locator('[data-block="escolha"]').waitFor();
    await page.locator('[data-edge="ola:next->escolha"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('[data-block="menu"]').count(), 0);
  }, { hasTouch: true });
});

test('an AI classify block routes by the categories the admin ticks', async () => {
  const account = newAccount();
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/flows`);
    await waitForHydration(page);
    await page.fill('#new-flow-name', `Triagem ${unique()}`);
    await page.locator('#new-flow-name').press('Enter');
    await page.waitForURL(/\/flows\/\d+$/);
    await page.locator('[data-block="inicio"]').waitFor();
    const classify = await dropBlock(page, 'ai_classify', 160, 250);
    await page.selectOption('#block-classify-by', 'category');
    // The account's active categories; each one ticked becomes an output.
    await page.locator('#classify-categories label', { hasText: 'Entrega' }).click();
    await page.locator('#classify-categories label', { hasText: 'Pagamento' }).click();
    const outputs = page.locator(`[data-block="${classify}"] [data-output^="category-"]`);
    await outputs.nth(1).waitFor();
    assert.equal(await outputs.count(), 2);
    assert.match(await page.locator(`[data-block="${classify}"]`).textContent(), /Entrega · Pagamento/);
    // Unticked, its output goes.
    await page.locator('#classify-categories label', { hasText: 'Entrega' }).click();
    await outputs.nth(1).waitFor({ state: 'detached' });
    assert.equal(await outputs.count(), 1);
  });
});
