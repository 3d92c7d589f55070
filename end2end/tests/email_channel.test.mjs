// An e-mail connection made in Settings against the real IMAP server the
// test run starts (Dovecot): "test connection" signs in, and a mail
// delivered into the mailbox appears live in the open inbox, with its
// subject, and the composer shows the reply's subject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { withBrowser, signIn, unique, newAccount, waitForHydration } from './helpers.mjs';

const imap = {
  port: process.env.PONTE_E2E_IMAP_PORT,
  user: process.env.PONTE_E2E_IMAP_USER,
  password: process.env.PONTE_E2E_IMAP_PASSWORD,
  maildir: process.env.PONTE_E2E_IMAP_MAILDIR,
};

/** Delivers a mail the way a mail server does: written aside, then moved into new/. */
function deliver(raw) {
  const name = `${Date.now()}.${unique()}.e2e`;
  const aside = join(imap.maildir, 'tmp', name);
  writeFileSync(aside, raw);
  renameSync(aside, join(imap.maildir, 'new', name));
}

test('an e-mail connection made in Settings signs in and its mail appears live in the inbox', async () => {
  assert.ok(imap.port && imap.maildir, 'the test run starts an IMAP server (PONTE_E2E_IMAP_*)');
  const account = newAccount();
  const subject = `Nota fiscal ${unique()}`;
  await withBrowser(async (context) => {
    const page = await context.newPage();
    await signIn(page, account.admin);
    const base = page.url().split('/inbox')[0];
    await page.goto(`${base}/settings/connections`);
    await waitForHydration(page);
    await page.locator('#conn-new-name').waitFor();
    await page.selectOption('#conn-new-type', 'email');
    await page.locator('#conn-new-imap_host').waitFor();
    await page.fill('#conn-new-name', 'Suporte por e-mail');
    await page.fill('#conn-new-address', 'suporte@e2e.example');
    await page.fill('#conn-new-imap_host', '127.0.0.1');
    await page.fill('#conn-new-imap_port', imap.port);
    await page.selectOption('#conn-new-imap_security', 'none');
    await page.fill('#conn-new-imap_username', imap.user);
    await page.fill('#conn-new-imap_password', imap.password);
    await page.click('form[data-connection-form="conn-new"] button[type="submit"]');
    const card = page.locator('section[data-connection]', { hasText: 'Suporte por e-mail' });
    await card.waitFor();
    assert.doesNotMatch(await card.textContent(), new RegExp(imap.password), 'the password is never shown');
    assert.match(await card.locator('[data-webhook-url]').textContent(), /\/webhooks\/email\/\d+\/\S+/);

    await card.locator('[data-test-connection]').click();
    const result = card.locator('[data-test-result]');
    await result.waitFor({ timeout: 15_000 });
    assert.equal(await result.getAttribute('data-test-result'), 'true', await result.textContent());
    assert.match(await result.textContent(), /INBOX/);

    // The inbox is open when the mail arrives: it shows up without a reload.
    await page.goto(`${base}/inbox`);
    await waitForHydration(page);
    await page.locator('#conversation-list').waitFor();
    const text = `Segue em anexo a nota ${unique()}`;
    deliver(
      `From: Cliente E2E <cliente.${unique()}@e2e.example>\r\nTo: suporte@e2e.example\r\n` +
      `Subject: ${subject}\r\nMessage-ID: <${unique()}@e2e.example>\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`,
    );
    const row = page.locator('#conversation-list li', { hasText: text });
    await row.waitFor({ timeout: 20_000 });
    await row.locator('a').click();
    await page.locator('#timeline', { hasText: text }).waitFor();
    assert.equal((await page.locator('#timeline [data-email-subject]').first().textContent()).trim(), subject);
    assert.match(await page.locator('#email-subject').textContent(), new RegExp(`Re: ${subject}`));
  });
});
