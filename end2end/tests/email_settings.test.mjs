// Settings → E-mail in a real browser: an admin adds the account's own SMTP
// server (the test run's real one), sends a test e-mail and reads the
// server's answer, then an invitation goes out through it and shows in the
// send log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, signIn, unique, newAccount, waitForHydration, BASE_URL } from './helpers.mjs';

const SMTP_PORT = process.env.PONTE_E2E_SMTP_PORT;

test('an admin adds an SMTP server, tests it, and the send log shows what went through it', { skip: !SMTP_PORT && 'PONTE_E2E_SMTP_PORT unset' }, async () => {
  const account = newAccount();
  const sender = `atendimento@${account.slug}.example`;
  const invitee = `nova.${unique()}@example.com`;
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.admin);
    await page.goto(`${BASE_URL}/settings/email`);
    await waitForHydration(page);
    await page.locator('#smtp-empty').waitFor();

    // Plain text to another machine is refused, on the field.
    await page.fill('#field-name', 'Correio da loja');
    await page.fill('#field-host', 'mail.example.com');
    await page.selectOption('select[name=security]', 'none');
    await page.fill('#field-from_address', sender);
    await page.click('#smtp-form button[type=submit]');
    await page.locator('#field-security[aria-invalid="true"]').waitFor();

    await page.fill('#field-host', '127.0.0.1');
    await page.fill('#field-port', SMTP_PORT);
    await page.fill('#field-from_name', 'Loja E2E');
    await page.click('#smtp-form button[type=submit]');
    const row = page.locator('li[data-smtp-account="Correio da loja"]');
    await row.locator('[data-default]').waitFor();

    await row.locator('[data-test-smtp]').click();
    const result = row.locator('[data-test-result]');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-test-result'), 'ok');
    assert.match(await result.textContent(), /250/);

    await page.goto(`${BASE_URL}/settings/users`);
    await waitForHydration(page);
    await page.fill('#field-email', invitee);
    await page.click('#invite-heading ~ form button[type=submit]');
    await page.locator('#invite-link').waitFor();
    assert.equal(await page.locator('[data-emailed="true"]').count(), 1, 'the page says it was e-mailed');

    // The send log says it went out through the account's own server.
    for (let i = 0; i < 40; i++) {
      await page.goto(`${BASE_URL}/settings/email`);
      await waitForHydration(page);
      const line = page.locator('#send-log tr', { hasText: invitee });
      await line.waitFor();
      if ((await line.getAttribute('data-mail-state')) === 'sent') {
        assert.match(await line.textContent(), /Correio da loja/);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.fail('the invitation never showed as sent');
  });
});
