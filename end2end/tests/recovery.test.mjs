// Mail that brings people back in, in a real browser, through the real SMTP
// server the test run starts (aiosmtpd, keeping each mail as a file):
// "forgot password" from the sign-in page to a new password, and a new
// login's confirmation notice until the mailed link is used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withBrowser, open, signIn, unique, newAccount, waitForHydration, BASE_URL } from './helpers.mjs';

const MAILDIR = process.env.PONTE_E2E_MAILDIR;

/** A mail's raw text with quoted-printable and base64 parts decoded. */
function decoded(raw) {
  const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  const base64 = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)]
    .map((m) => Buffer.from(m[1].replace(/\s/g, ''), 'base64').toString('utf8'))
    .join('\n');
  return `${qp}\n${base64}`;
}

/** Waits for a mail to `to` containing a link under `path`; returns the link. */
async function mailedLink(to, path) {
  const pattern = new RegExp(`${BASE_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${path}[A-Za-z0-9_-]+`);
  for (let i = 0; i < 300; i++) {
    let files = [];
    try {
      files = readdirSync(join(MAILDIR, 'new'));
    } catch {}
    for (const file of files) {
      const raw = readFileSync(join(MAILDIR, 'new', file), 'utf8');
      if (!new RegExp(`^To: .*${to}`, 'mi').test(raw)) continue;
      const link = decoded(raw).match(pattern)?.[0];
      if (link) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to} with a ${path} link`);
}

test('forgot password: the mailed link sets a new password, and the old one stops working', { skip: !MAILDIR && 'PONTE_E2E_MAILDIR unset' }, async () => {
  const account = newAccount();
  const newPassword = `nova senha ${unique()}`;
  await withBrowser(async (context) => {
    const page = await open(context, '/login');
    await page.click('#forgot-password');
    await page.waitForURL(/\/forgot-password$/);
    await waitForHydration(page);
    await page.fill('#field-email', account.agent);
    await page.click('button[type="submit"]');
    await page.locator('#reset-sent').waitFor();

    const link = await mailedLink(account.agent, '/reset-password/');
    await page.goto(link);
    await waitForHydration(page);
    await page.fill('#field-password', 'curta');
    await page.click('button[type="submit"]');
    await page.locator('#field-password[aria-invalid="true"]').waitFor();
    await page.fill('#field-password', newPassword);
    await page.click('button[type="submit"]');
    await page.locator('#reset-done').waitFor();

    // The link worked once.
    await page.goto(link);
    await waitForHydration(page);
    await page.fill('#field-password', `outra ${newPassword}`);
    await page.click('button[type="submit"]');
    await page.locator('a[href="/forgot-password"]').waitFor();

    await signIn(page, account.agent, newPassword);
    assert.match(page.url(), /\/inbox/);
  });
});

test('a new login sees a confirm-your-e-mail notice until the mailed link is used', { skip: !MAILDIR && 'PONTE_E2E_MAILDIR unset' }, async () => {
  const slug = `conf-${unique()}`;
  const email = `dona@${slug}.example`;
  await withBrowser(async (context) => {
    const page = await open(context, '/signup');
    await page.fill('#field-company_name', `Loja ${slug}`);
    await page.fill('#field-slug', slug);
    await page.fill('#field-name', 'Dona Loja');
    await page.fill('#field-email', email);
    await page.fill('#field-password', 'uma senha bem longa');
    await Promise.all([page.waitForURL(/\/inbox/), page.click('button[type="submit"]')]);
    await waitForHydration(page);
    const notice = page.locator('#unconfirmed-email');
    await notice.waitFor();
    assert.match(await notice.textContent(), new RegExp(email));
    await page.click('#resend-confirmation');
    await page.locator('#resend-outcome').waitFor();

    const link = await mailedLink(email, '/confirm-email/');
    await page.goto(link);
    await waitForHydration(page);
    await page.click('button[type="submit"]');
    await page.locator('#email-confirmed').waitFor();
    await page.goto(`${BASE_URL}/inbox`);
    await waitForHydration(page);
    await page.locator('#conversation-list').waitFor();
    assert.equal(await page.locator('#unconfirmed-email').count(), 0);
  });
});
