// The service desk in real browsers: an admin sets an SLA policy and a
// department's hours, out-of-hours reply and round-robin distribution; a
// visitor writing while it is closed gets the reply; once open, a new
// conversation goes to the online agent by itself, live, and its SLA clock
// shows, then turns to "breached".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, waitForHydration, unique, newAccount, openWidget, BASE_URL } from './helpers.mjs';

async function saveSupport(admin) {
  const card = admin.locator('form[data-department="Suporte"]');
  await card.locator('button[type="submit"]').click();
  await card.locator('[role="status"]').waitFor();
}

test('hours, the out-of-hours reply and round-robin distribution, live', async () => {
  const account = newAccount();
  const closedText = `Fechados agora ${unique()}`;
  await withBrowser(async (adminContext) => {
    const admin = await adminContext.newPage();
    await signIn(admin, account.admin);

    // The website channel's conversations start in Suporte.
    await admin.goto(BASE_URL + '/settings/channels');
    await waitForHydration(admin);
    const channel = admin.locator(`section[data-channel="${account.channel}"]`);
    await channel.getByRole('button', { name: 'Editar', exact: true }).click();
    // A refused save keeps the form open, with its error, and nothing saved.
    const origins = channel.locator('textarea[name="channel[allowed_origins]"]');
    const validOrigins = await origins.inputValue();
    await origins.fill('isto não é um site');
    await channel.locator('form button[type="submit"]').click();
    await channel.getByText('Origem inválida', { exact: false }).waitFor();
    assert.equal(await origins.inputValue(), 'isto não é um site', 'the form stays as the admin left it');
    assert.equal(await admin.getByRole('status').filter({ hasText: 'Alterações salvas' }).count(), 0);
    await origins.fill(validOrigins);
    await channel.locator('select[name="channel[default_department_id]"]').selectOption({ label: 'Suporte' });
    await channel.locator('form button[type="submit"]').click();
    await admin.getByRole('status').filter({ hasText: 'Alterações salvas' }).first().waitFor();
    assert.equal(
      await admin.getByRole('status').filter({ hasText: 'Alterações salvas' }).count(),
      1,
      'only the edited connection says it saved, not the new-connection form',
    );

    // An SLA policy: one minute to answer, around the clock.
    await admin.goto(BASE_URL + '/settings/departments');
    await waitForHydration(admin);
    const newPolicy = admin.locator('[data-testid="sla-policies"] form[data-sla-policy=""]');
    await newPolicy.locator('input[name="name"]').fill('Relâmpago');
    await newPolicy.locator('input[name="first_response_minutes"]').fill('1');
    await newPolicy.locator('input[name="next_response_minutes"]').fill('5');
    await newPolicy.getByLabel('Contar só o horário de atendimento').uncheck();
    await newPolicy.locator('button[type="submit"]').click();
    await admin.locator('[data-testid="sla-policies"] form[data-sla-policy="Relâmpago"]').waitFor();

    // Suporte: round-robin to Alice only, that SLA, its own hours (closed
    // every day for now) and an out-of-hours reply.
    const card = admin.locator('form[data-department="Suporte"]');
    await card.locator('select[name="sla_policy"] option', { hasText: 'Relâmpago' }).waitFor({ state: 'attached' });
    await card.locator('select[name="sla_policy"]').selectOption({ label: 'Relâmpago' });
    // Urgent conversations follow the demo's "Urgente" policy instead.
    await card.locator('[data-sla-by-priority] summary').click();
    await card.locator('select[name="sla_urgent"]').selectOption({ label: 'Urgente' });
    await card.locator('select[name="distribution"]').selectOption('round_robin');
    await card.locator('[data-member="Sérgio Supervisor"] input[type="checkbox"]').uncheck();
    await card.locator('input[type="radio"]').nth(1).check();
    await card.getByLabel('Aberto 24 horas, todos os dias').uncheck();
    await card.locator('[data-weekday="mon"]').waitFor();
    assert.equal(await card.locator('[data-weekday="mon"] input[type="time"]').count(), 0, 'a new calendar starts closed');
    await card.locator('textarea[data-locale="pt-BR"]').fill(closedText);
    await saveSupport(admin);

    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await visitor.locator('#ponte-widget textarea').fill('Boa noite, alguém aí?');
      await visitor.locator('#ponte-widget textarea').press('Enter');
      await visitor.locator('#ponte-widget .out', { hasText: closedText }).waitFor({ timeout: 10_000 });
    });

    // Open Monday to Sunday, all day: an interval per day.
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) {
      const row = card.locator(`[data-weekday="${day}"]`);
      await row.getByRole('button').last().click();
      const times = row.locator('input[type="time"]');
      await times.nth(0).fill('00:00');
      await times.nth(1).fill('00:00');
    }
    await saveSupport(admin);
    await admin.reload();
    await waitForHydration(admin);
    assert.equal(await card.locator('select[name="sla_urgent"] option:checked').textContent(), 'Urgente', 'stored');
    assert.equal(
      await admin.locator('[data-testid="sla-policies"] form[data-sla-policy="Relâmpago"] input[name="next_response_minutes"]').inputValue(),
      '5',
    );

    // Suporte has no supervisor among its members now: every supervisor
    // hears of its breaches, in the bell, live.
    await withBrowser(async (supervisorContext) => {
      const supervisor = await supervisorContext.newPage();
      await signIn(supervisor, account.supervisor);
      // (The conversation written while closed breaches too: the bell is
      // looked at for this one.)
      const text = `Quero comprar ${unique()}`;
      const breachBell = supervisor.locator('#notifications li', { hasText: 'Um SLA estourou' }).filter({ hasText: text });
      await withBrowser(async (agentContext) => {
        const agent = await agentContext.newPage();
        await signIn(agent, account.agent);
        await withBrowser(async (visitorContext) => {
          const visitor = await openWidget(visitorContext, account);
          await visitor.locator('#ponte-widget textarea').fill(text);
          await visitor.locator('#ponte-widget textarea').press('Enter');
          const row = agent.locator('#conversation-list li', { hasText: text });
          await row.waitFor({ timeout: 15_000 });
          await row.locator('a').click();
          await agent.waitForURL(/\/inbox\/\d+/);
          await agent.locator('#timeline', { hasText: 'Atribuída a Alice Atendente por rodízio' }).waitFor({ timeout: 15_000 });
          assert.equal(await visitor.locator('#ponte-widget .out', { hasText: closedText }).count(), 0, 'open: no out-of-hours reply');

          // The SLA clock shows in the list and the header, and turns to
          // "breached" by itself once the minute runs out unanswered.
          await row.locator('.sla-badge[data-sla="soon"]').waitFor();
          // Time left and when it is due, in words and on the badge.
          const header = agent.locator('#conversation .sla-badge');
          assert.match(await header.getAttribute('aria-label'), /^Primeira resposta: faltam \d+ min, vence (Hoje|Amanhã) \d\d:\d\d$/);
          assert.match(await header.textContent(), /^SLA \d+ min · (Hoje|Amanhã) \d\d:\d\d$/);
          assert.equal(await breachBell.count(), 0, 'nothing breached yet');
          await agent.locator('#conversation .sla-badge[data-sla="breached"]').waitFor({ timeout: 100_000 });
          await row.locator('.sla-badge[data-sla="breached"]').waitFor();
          await agent.locator('#timeline', { hasText: 'SLA de primeira resposta estourado' }).waitFor();
        });
      });
      await breachBell.waitFor({ state: 'attached', timeout: 20_000 });
      await supervisor.click('#notifications summary');
      await breachBell.locator('a').click();
      await supervisor.waitForURL(/\/inbox\/\d+/);
      await supervisor.locator('#timeline', { hasText: 'SLA de primeira resposta estourado' }).waitFor({ timeout: 15_000 });
    });
  });
});
