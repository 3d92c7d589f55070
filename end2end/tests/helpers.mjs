// Shared set-up for the browser tests: Debian's Chromium driven by
// playwright-core (no browser download), one fresh profile per test.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = process.env.PONTE_URL ?? 'http://127.0.0.1:3000';
export const DEMO_PASSWORD = 'ponte-demo-2026';

/**
 * A demo-like account of the test's own (`ponte seed-demo --slug …`): its
 * admin, supervisor and agent, its website channel and sample inbox. Tests
 * never share (or change) the demo account, so they pass in any order.
 * Without the demo's example flow unless `withFlow` (tests of the human
 * path want the widget's conversations to reach people at once).
 * Needs PONTE_BIN plus the server's DATABASE_URL and PONTE_DATA_DIR.
 */
export function newAccount({ withFlow = false } = {}) {
  const slug = `e2e-${unique()}`;
  const bin = process.env.PONTE_BIN ?? '../target/release/ponte';
  const args = ['seed-demo', '--slug', slug, ...(withFlow ? [] : ['--without-flow'])];
  const out = execFileSync(bin, args, { env: process.env, encoding: 'utf8' });
  const channel = out.match(/website channel: (\S+)/)?.[1];
  if (!channel) throw new Error(`seed-demo printed no channel:\n${out}`);
  return {
    slug,
    name: `Demo ${slug}`,
    channel,
    admin: `admin@${slug}.ponte.dev`,
    supervisor: `supervisor@${slug}.ponte.dev`,
    agent: `agent@${slug}.ponte.dev`,
  };
}

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A fresh browser (own profile dir) and a context; closes both afterwards. */
export async function withBrowser(fn, contextOptions = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'ponte-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: FLAGS,
    headless: true,
    locale: 'pt-BR',
    viewport: { width: 1280, height: 800 },
    ...contextOptions,
  });
  try {
    return await fn(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Opens a page and waits until the wasm has hydrated it. */
export async function open(context, path) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(BASE_URL + path);
  await waitForHydration(page);
  return page;
}

export async function waitForHydration(page) {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true', null, { timeout: 30_000 });
}

export async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto(BASE_URL + '/login');
  await waitForHydration(page);
  await page.fill('#field-email', email);
  await page.fill('#field-password', password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.press('#field-password', 'Enter')]);
  await waitForHydration(page);
}

/** The demo site of `account`'s website channel, its chat widget open. */
export async function openWidget(context, account) {
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/demo/widget?channel=${account.channel}`);
  await page.waitForSelector('#ponte-widget', { state: 'attached' });
  await page.locator('#ponte-widget .launcher').click();
  await page.locator('#ponte-widget textarea').waitFor();
  return page;
}

/** The widget's visitor sends `text` and waits until the server has it. */
export async function visitorSays(visitor, text) {
  await visitor.locator('#ponte-widget textarea').fill(text);
  await visitor.locator('#ponte-widget textarea').press('Enter');
  await visitor.locator('#ponte-widget .msg.in', { hasText: text }).locator('.tick').waitFor({ timeout: 15_000 });
}

/** A unique suffix for names and e-mails created by a test. */
export function unique() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
