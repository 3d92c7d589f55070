// What a phone on mobile data downloads: the app's files arrive brotli-
// compressed, and a second visit finds them all in the browser's cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBrowser, waitForHydration, signIn, newAccount, BASE_URL } from './helpers.mjs';

/** Bytes on the wire for the site's own JS, wasm and CSS so far. */
async function siteBytes(page) {
  return page.evaluate(() => performance.getEntriesByType('resource')
    .filter((r) => new URL(r.name).pathname.startsWith('/pkg/'))
    .reduce((sum, r) => sum + r.transferSize, 0));
}

test('the sign-in page arrives compressed, and a second visit downloads almost nothing', async () => {
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    const encodings = {};
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.startsWith('/pkg/')) encodings[path] = response.headers()['content-encoding'] ?? 'none';
    });
    await page.goto(BASE_URL + '/login');
    await waitForHydration(page);
    assert.deepEqual(
      Object.values(encodings).filter((e) => e !== 'br'),
      [],
      `every file in brotli: ${JSON.stringify(encodings)}`,
    );
    for (const path of Object.keys(encodings)) {
      assert.match(path, /^\/pkg\/[\w-]+\.[\w-]+\.(js|wasm|css|json)$/, 'named by content, so cached for good');
    }
    const first = await siteBytes(page);
    // Today's size, as a guard against regressions; docs/BENCHMARKS.md has
    // the target (splitting the wasm) and the history.
    assert.ok(first < 620_000, `first visit: ${first} bytes`);

    await page.reload();
    await waitForHydration(page);
    const second = await siteBytes(page);
    assert.ok(second < 5_000, `second visit: ${second} bytes`);
  });
});

test('settings pages and the audit log arrive as their own small chunks, only when opened', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    const wasm = new Map();
    page.on('response', async (response) => {
      const path = new URL(response.url()).pathname;
      if (path.endsWith('.wasm')) wasm.set(path, response);
    });
    await signIn(page, account.admin);
    const mainModule = [...wasm.keys()].filter((p) => p.startsWith('/pkg/ponte.'));
    assert.equal(mainModule.length, 1, `one main module: ${[...wasm.keys()]}`);
    assert.ok(![...wasm.keys()].some((p) => p.includes('split___')), 'no page chunk before a page needs it');

    for (const [path, name] of [['/settings/users', 'users'], ['/settings/channels', 'channels'], ['/audit', 'audit']]) {
      const chunk = page.waitForResponse((r) => r.url().includes(`/pkg/split___${name}_`));
      await page.goto(BASE_URL + path);
      await chunk;
      await waitForHydration(page);
    }
    const chunks = [];
    for (const [name, response] of wasm) {
      if (!name.includes('split___')) continue;
      const { responseBodySize } = await response.request().sizes();
      chunks.push({ name, bytes: responseBodySize, encoding: response.headers()['content-encoding'] });
    }
    for (const name of ['users', 'channels', 'audit']) {
      assert.ok(chunks.some((c) => c.name.includes(`split___${name}_`)), `${name} came as its own chunk: ${JSON.stringify(chunks)}`);
    }
    for (const chunk of chunks) {
      // The budget for any lazily loaded chunk, brotli on the wire.
      assert.equal(chunk.encoding, 'br', chunk.name);
      assert.ok(chunk.bytes > 0 && chunk.bytes <= 150_000, `${chunk.name}: ${chunk.bytes} bytes`);
    }
  });
});
