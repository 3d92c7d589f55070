// Reports and the dashboard's figures: a manager reads the work log, the
// PDF export downloads as a real PDF with the report's title, the AI quality
// report spreads the history's scores, the KPI cards
// and charts show the demo's history, and an agent sees only their own row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { withBrowser, signIn, newAccount, openWidget, unique, BASE_URL, waitForHydration } from './helpers.mjs';

// The pages' drawing commands: each page's stream, inflated.
function pdfPageText(pdf) {
  let text = '';
  for (let at = 0; ;) {
    const start = pdf.indexOf('>>\nstream\n', at);
    if (start < 0) return text;
    const from = start + '>>\nstream\n'.length;
    const end = pdf.indexOf('\nendstream', from);
    text += inflateSync(pdf.subarray(from, end)).toString('latin1');
    at = end;
  }
}

test('a manager reads a report, exports it as PDF, and the dashboard shows its figures', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/reports`);
    await waitForHydration(page);
    await page.locator('#report-table[data-report="productivity"]').waitFor();
    await page.getByRole('button', { name: 'Registro de trabalho' }).click();
    const table = page.locator('#report-table[data-report="work-log"]');
    await table.waitFor();
    // The demo agent worked on the last weekdays: signed-in time is not zero.
    const agentRow = table.locator(`tr[data-agent="${account.agent}"]`);
    const total = await agentRow.locator('td[data-column="total_seconds"]').getAttribute('data-value');
    assert.ok(Number(total) > 0, `signed-in seconds ${total}`);
    // The day-by-day drill-down opens under the row.
    await agentRow.getByRole('button', { name: /Dias/ }).click();
    assert.match(await table.innerText(), /Entrada/);
    // Each day has its timeline: active stretches and inactivity periods.
    const timeline = table.locator('[data-timeline]').first();
    assert.match(await timeline.getAttribute('aria-label'), /Ativo \d\d:\d\d–\d\d:\d\d/);

    // The file is built in the background: a progress bar, then the
    // download starts by itself.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[data-export="pdf"]'),
    ]);
    assert.match(download.suggestedFilename(), /^ponte-work-log-.*\.pdf$/);
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 8).toString('latin1'), '%PDF-1.4');
    assert.ok(pdf.toString('latin1').trimEnd().endsWith('%%EOF'));
    assert.ok(pdf.toString('latin1').includes('(Registro de trabalho)'), 'the title is on the page');
    // Each agent's days are listed under their row: "02/12/2026 08:00–17:00".
    assert.match(pdfPageText(pdf), /\(\d\d\/\d\d\/\d{4} \d\d:\d\d\x96(\d\d:\d\d|\x85)\)/);
    const progress = page.getByRole('progressbar', { name: 'Registro de trabalho · PDF' });
    assert.equal(await progress.getAttribute('aria-valuenow'), '100');
    await page.getByRole('link', { name: 'Baixar de novo' }).waitFor();

    // Filters pick any number of agents: ticking one leaves their row alone
    // (the team had more), and the button says who is picked.
    const rows = table.locator('tbody tr[data-agent]');
    assert.ok(await rows.count() > 1, 'the whole team first');
    await page.locator('#report-agents summary').click();
    await page.locator('#report-agents label', { hasText: 'Alice Atendente' }).locator('input').check();
    await page.waitForFunction(() => document.querySelectorAll('#report-table[data-report="work-log"] tbody tr[data-agent]').length === 1);
    assert.equal(await rows.first().getAttribute('data-agent'), account.agent);
    assert.match(await page.locator('#report-agents summary').innerText(), /Alice Atendente/);
    await page.locator('#report-agents label', { hasText: 'Alice Atendente' }).locator('input').uncheck();
    await page.waitForFunction(() => document.querySelectorAll('#report-table[data-report="work-log"] tbody tr[data-agent]').length > 1);
    await page.locator('#report-agents summary').click();

    // Categorization: every category used, subcategories under their parent.
    await page.selectOption('#report-preset', 'last_30_days');
    await page.getByRole('button', { name: 'Categorização' }).click();
    await page.locator('#report-table[data-report="categorization"]').waitFor();
    const breakdown = page.locator('#category-breakdown');
    await breakdown.locator('tr[data-category]').first().waitFor();
    const counts = await breakdown.locator('td[data-column="with_subcategories"]').allInnerTexts();
    assert.ok(counts.some((n) => Number(n) > 0), `category counts ${counts}`);

    // Quality (AI): the history's reviews, per agent and spread over bands.
    await page.getByRole('button', { name: 'Qualidade (IA)' }).click();
    const quality = page.locator('#report-table[data-report="quality"]');
    await quality.waitFor();
    const reviewed = await quality.locator(`tr[data-agent="${account.agent}"] td[data-column="reviewed"]`).getAttribute('data-value');
    assert.ok(Number(reviewed) > 0, `reviewed ${reviewed}`);
    const mean = Number(await quality.locator(`tr[data-agent="${account.agent}"] td[data-column="mean_score"]`).getAttribute('data-value'));
    assert.ok(mean > 0 && mean <= 10, `mean score ${mean}`);
    const spread = page.locator('#score-spread svg[role="img"]');
    assert.match(await spread.getAttribute('aria-label'), /^Notas da IA por faixa: Notas 0–2 \d+; Notas 2–4 \d+;/);

    await page.goto(`${BASE_URL}/dashboard`);
    await waitForHydration(page);
    const resolved = page.locator('#kpi-cards li[data-kpi="conversations_resolved"]');
    await resolved.waitFor();
    await page.selectOption('#dashboard-period', 'last_30_days');
    await page.waitForFunction(() => {
      const card = document.querySelector('#kpi-cards li[data-kpi="conversations_resolved"] p.text-2xl');
      return card && Number(card.textContent) > 20;
    });
    // The demo's one survey answer: Paula rated 9.
    assert.equal((await page.locator('#kpi-cards li[data-kpi="csat"] p.text-2xl').innerText()).trim(), '9.0');
    const heatmap = page.getByRole('img', { name: /Conversas novas por dia da semana e hora/ });
    await heatmap.waitFor();

    // From the status board to the agent's open conversations in the inbox.
    const boardRow = page.locator(`#status-board tr[data-agent="${account.agent}"]`);
    await boardRow.getByRole('link', { name: /^\d+ conversas abertas · / }).click();
    await page.waitForURL(/\/inbox\?assignee=/);
    await waitForHydration(page);
    const chosen = await page.locator('select[name="assignee"]').inputValue();
    assert.ok(page.url().endsWith(`assignee=${chosen}`), `${page.url()} filters by ${chosen}`);
    await page.locator('#conversation-list li[data-number]').first().waitFor();
  });
});

test('an agent sees only their own figures', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.agent);
    await page.goto(`${BASE_URL}/reports`);
    await waitForHydration(page);
    await page.getByRole('heading', { name: 'Meus números' }).waitFor();
    const rows = page.locator('#report-table tbody tr[data-agent]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getAttribute('data-agent'), account.agent);
    // No agent or department filter to widen the view, and no team e-mails.
    assert.equal(await page.locator('#report-agents').count(), 0);
    assert.equal(await page.locator('#schedule-recipients').count(), 0);
    // Their work log opens on their days, with the timeline of each.
    await page.getByRole('button', { name: 'Registro de trabalho' }).click();
    await page.locator('#report-table[data-report="work-log"] [data-timeline]').first().waitFor();
  });
});

test('a manager schedules the report on screen to be e-mailed, then cancels it', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/reports`);
    await waitForHydration(page);
    // The demo's own: the supervisor's weekly productivity PDF.
    const items = page.locator('#report-schedules li[data-schedule]');
    await items.first().waitFor();
    assert.equal(await items.count(), 1);
    assert.match(await items.first().innerText(), /Produtividade · Semanal · PDF[\s\S]*Agendado por Sérgio Supervisor/);
    await page.getByRole('button', { name: 'Categorização' }).click();
    await page.selectOption('#schedule-frequency', 'monthly');
    await page.selectOption('#schedule-format', 'csv');
    const recipients = page.locator('#schedule-recipients');
    await recipients.fill('gestora@azul.example, sem-arroba');
    await page.getByRole('button', { name: 'Agendar envio' }).click();
    await page.locator('#schedule-recipients[aria-invalid="true"]').waitFor();
    assert.match(await page.locator('#schedule-recipients-msg').innerText(), /e-mail/i);

    await recipients.fill('gestora@azul.example, dono@azul.example');
    await page.getByRole('button', { name: 'Agendar envio' }).click();
    const item = items.filter({ hasText: 'dono@azul.example' });
    await item.waitFor();
    const text = await item.innerText();
    assert.match(text, /Categorização · Mensal · CSV/);
    assert.match(text, /gestora@azul\.example, dono@azul\.example/);
    assert.match(text, /Próximo envio: 01\/\d\d\/\d{4} 07:00/);
    assert.equal(await recipients.inputValue(), '', 'the form is ready for another');

    await item.getByRole('button', { name: 'Cancelar envio' }).click();
    await item.waitFor({ state: 'detached' });
    assert.equal(await items.count(), 1);
  });
});

test("the dashboard's KPI cards follow new conversations without a reload", async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/dashboard`);
    await waitForHydration(page);
    const created = page.locator('#kpi-cards li[data-kpi="conversations_created"] p.text-2xl');
    await created.waitFor();
    const before = Number(await created.innerText());
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await visitor.locator('#ponte-widget textarea').fill(`Olá, ${unique()}`);
      await visitor.locator('#ponte-widget textarea').press('Enter');
      await page.waitForFunction(
        (expected) => Number(document.querySelector('#kpi-cards li[data-kpi="conversations_created"] p.text-2xl')?.textContent) === expected,
        before + 1,
        { timeout: 25_000 },
      );
    });
  });
});
