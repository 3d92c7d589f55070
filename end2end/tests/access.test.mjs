// Teams that isolate, in real browsers: an admin restricts the website
// connection and the agent's open inbox loses its conversation at once;
// granting the agent "read" brings it back, live. A supervisor can be held
// to their departments from Settings → Users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, waitForHydration, unique, newAccount, openWidget, BASE_URL } from './helpers.mjs';

async function saveAccess(panel) {
  await panel.locator('form button[type="submit"]').click();
  await panel.getByRole('status').filter({ hasText: 'Acesso salvo.' }).waitFor();
}

test('a restricted connection hides its conversations until access is granted, live', async () => {
  const account = newAccount();
  const text = `Pedido reservado ${unique()}`;
  await withBrowser(async (context) => {
    const agent = await context.newPage();
    await signIn(agent, account.agent);
    // Live from here on: the socket is up (the reconnecting banner is gone).
    await agent.locator('#offline-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await withBrowser(async (visitorContext) => {
      const visitor = await openWidget(visitorContext, account);
      await visitor.locator('#ponte-widget textarea').fill(text);
      await visitor.locator('#ponte-widget textarea').press('Enter');
      // Stored (its tick) before the visitor's browser closes: closing earlier
      // could drop the message still on its way.
      await visitor.locator('#ponte-widget .msg.in', { hasText: text }).locator('.tick').waitFor({ timeout: 15_000 });
    });
    const row = agent.locator('#conversation-list li', { hasText: text });
    await row.waitFor({ timeout: 15_000 });

    await withBrowser(async (adminContext) => {
      const admin = await adminContext.newPage();
      await signIn(admin, account.admin);
      await admin.goto(BASE_URL + '/settings/channels');
      await waitForHydration(admin);
      const panel = admin.locator(`section[data-channel="${account.channel}"] [data-channel-access]`);
      await panel.getByRole('button', { name: 'Acesso', exact: true }).click();
      await panel.locator('input[name="restricted"]').check();
      await saveAccess(panel);
      await row.waitFor({ state: 'detached', timeout: 10_000 });

      // Reading is granted to Alice alone (the demo's supervisors already
      // manage this widget: that grant stays).
      const before = await panel.locator('[data-grant]').count();
      await panel.getByRole('button', { name: 'Dar acesso' }).click();
      const grant = panel.locator(`[data-grant="${before}"]`);
      await grant.getByLabel('Quem').selectOption({ label: 'Alice Atendente' });
      await grant.getByLabel('Nível').selectOption({ label: 'Ler' });
      await saveAccess(panel);
      await row.waitFor({ timeout: 10_000 });

      // Stored, not just shown: a fresh page reads the same grant back.
      await admin.reload();
      await waitForHydration(admin);
      await panel.getByRole('button', { name: 'Acesso', exact: true }).click();
      await panel.locator(`[data-grant="${before}"]`).waitFor();
      assert.equal(await panel.locator('input[name="restricted"]').isChecked(), true);
      assert.equal(await panel.locator('[data-grant]').count(), before + 1);
      // People come after roles: Alice's grant is the last row.
      const alice = panel.locator(`[data-grant="${before}"]`);
      assert.equal(await alice.getByLabel('Quem').evaluate((s) => s.selectedOptions[0].textContent), 'Alice Atendente');
      assert.equal(await alice.getByLabel('Nível').inputValue(), 'read');

      // Settings → Users: the supervisor is held to their departments.
      await admin.goto(BASE_URL + '/settings/users');
      await waitForHydration(admin);
      const limits = admin.locator(`[data-limits="${account.supervisor}"]`);
      await limits.locator('input[name="limited_to_departments"]').check();
      await limits.getByRole('status').filter({ hasText: 'Acesso salvo.' }).waitFor({ state: 'attached' });
      await admin.reload();
      await waitForHydration(admin);
      assert.equal(
        await admin.locator(`[data-limits="${account.supervisor}"] input[name="limited_to_departments"]`).isChecked(),
        true,
      );
      assert.equal(
        await admin.locator(`[data-limits="${account.agent}"] input[name="limited_to_departments"]`).count(),
        0,
        'agents never see everything: nothing to limit',
      );
    });
  });
});
