// `./ponte.sh bench web`: the first load as an agent on a phone over mobile
// data would live it. Headless Chromium with Chromium's phone emulation
// (4× CPU slowdown, 1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT) against the
// release build: bytes on the wire for the site's JS, wasm and CSS, and the
// time from navigation until the page is hydrated (`data-hydrated`), for
// /login, a signed-in /inbox, a link to one conversation and a lazily
// loaded page (the users page, as an admin), first and second visit.
import { withBrowser, BASE_URL, DEMO_PASSWORD } from '../tests/helpers.mjs';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PHONE = { cpu: 4, latency: 150, down: (1.6e6 / 8), up: (750e3 / 8) };
const SITE_PKG = process.env.PONTE_SITE_PKG ?? '../target/site/pkg';
const BUDGETS = { '/login': 200_000, '/inbox': 350_000 };
const CHUNK_BUDGET = 150_000;

// Records when the app marks itself hydrated, on the page's own clock
// (milliseconds since navigation started).
// (Init scripts run before <html> exists: observe the document.)
const RECORD_HYDRATION = () => {
  new MutationObserver((_, observer) => {
    if (document.documentElement?.dataset.hydrated === 'true') {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
};

async function emulatePhone(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: PHONE.latency,
    downloadThroughput: PHONE.down,
    uploadThroughput: PHONE.up,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: PHONE.cpu });
}

/** One visit: bytes of JS, wasm and CSS on the wire and ms until the page is ready. */
async function visit(context, path) {
  const page = await context.newPage();
  await page.addInitScript(RECORD_HYDRATION);
  await emulatePhone(context, page);
  await page.goto(BASE_URL + path, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000 });
  const result = await page.evaluate(() => ({
    ms: window.__hydratedAt,
    bytes: performance.getEntriesByType('resource')
      .filter((r) => /\.(js|wasm|css)$/.test(new URL(r.name).pathname))
      .reduce((sum, r) => sum + r.transferSize, 0),
    files: performance.getEntriesByType('resource')
      .filter((r) => /\.(js|wasm|css)$/.test(new URL(r.name).pathname)).length,
    url: location.pathname,
  }));
  await page.close();
  if (result.url !== path) throw new Error(`${path} ended on ${result.url}`);
  return result;
}

async function signIn(context, who) {
  const response = await context.request.post(BASE_URL + '/api/sign_in', {
    headers: { origin: BASE_URL },
    form: { email: `${who}@demo.ponte.dev`, password: DEMO_PASSWORD },
  });
  if (!response.ok() && response.status() !== 302) throw new Error(`sign-in: ${response.status()}`);
}

function largestChunk() {
  const chunks = readdirSync(SITE_PKG)
    // A lazy part arrives as one bundle of its modules
    // (scripts/bundle-lazy-chunks.mjs); the main module (ponte.<hash>.wasm)
    // is the first download.
    .filter((f) => f.endsWith('.wasm.br') && f.startsWith('bundle_'))
    .map((f) => ({ f, size: statSync(join(SITE_PKG, f)).size }));
  return chunks.sort((a, b) => b.size - a.size)[0] ?? { f: '(none)', size: 0 };
}

const kb = (bytes) => `${Math.round(bytes / 1000).toLocaleString('en')} KB`;
/** A conversation the demo agent can open, read from the inbox's HTML. */
async function firstConversation(context) {
  const html = await (await context.request.get(BASE_URL + '/inbox')).text();
  const number = html.match(/href="\/inbox\/(\d+)/)?.[1];
  if (!number) throw new Error('no conversation link on /inbox');
  return `/inbox/${number}`;
}

const rows = [];
for (const page of ['/login', '/inbox', 'a conversation', '/settings/users']) {
  await withBrowser(async (context) => {
    if (page === '/settings/users') await signIn(context, 'admin');
    else if (page !== '/login') await signIn(context, 'agent');
    // A link to one conversation (from a notification, or a reload): the
    // inbox with the conversation open, its contact panel a chunk of its own.
    const path = page === 'a conversation' ? await firstConversation(context) : page;
    const first = await visit(context, path);
    const second = await visit(context, path);
    rows.push({ path, first, second });
  });
}

console.log(`\nPhone emulation: ${PHONE.cpu}× CPU, ${PHONE.down * 8 / 1e6} Mbit/s down, ${PHONE.latency} ms RTT; release build at ${BASE_URL}\n`);
console.log('| page | first visit: JS + wasm + CSS (budget) | hydrated after | second visit | hydrated after |');
console.log('|---|---|---|---|---|');
for (const { path, first, second } of rows) {
  const budget = BUDGETS[path];
  const bytes = budget === undefined
    ? `${kb(first.bytes)} (${first.files} files)`
    : `${kb(first.bytes)} (≤ ${kb(budget)} ${first.bytes <= budget ? '✔' : '✘'})`;
  console.log(`| ${path} | ${bytes} | ${(first.ms / 1000).toFixed(1)} s (≤ 3 s ${first.ms <= 3000 ? '✔' : '✘'}) | ${kb(second.bytes)} | ${(second.ms / 1000).toFixed(1)} s (≤ 1 s ${second.ms <= 1000 ? '✔' : '✘'}) |`);
}
const chunk = largestChunk();
console.log(`\nLargest lazily loaded chunk: ${chunk.f} ${kb(chunk.size)} brotli (≤ ${kb(CHUNK_BUDGET)} ${chunk.size <= CHUNK_BUDGET ? '✔' : '✘'})`);
