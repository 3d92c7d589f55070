// An admin connects an OpenAI-compatible AI provider in Settings (here a
// local server speaking the chat-completions format), tests the
// connection, and the conversation summary is then written by it — said so
// under the text. Calls show in the usage table; the key never comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { withBrowser, signIn, unique, newAccount, openWidget, visitorSays as say, BASE_URL, waitForHydration } from './helpers.mjs';

const SUMMARY = 'O cliente quer trocar o tamanho; a loja enviou a etiqueta.';

/** A chat-completions endpoint on a free local port; its base URL. */
async function startProvider(received) {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ path: request.url, authorization: request.headers.authorization, body: JSON.parse(body || '{}') });
      const asked = received.at(-1).body;
      const text = asked.max_tokens === 16 ? 'OK' : SUMMARY;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        id: 'chatcmpl-e2e', object: 'chat.completion', model: asked.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 },
      }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${server.address().port}/v1` };
}

test('an admin connects an AI provider, tests it, and summaries come from it', async () => {
  const account = newAccount();
  const marker = unique();
  const received = [];
  const { server, baseUrl } = await startProvider(received);
  try {
    await withBrowser(async (context) => {
      const admin = await context.newPage();
      await signIn(admin, account.admin);
      await admin.goto(`${BASE_URL}/settings/productivity`);
      await waitForHydration(admin);
      await admin.locator('#ai-providers-empty').waitFor();
      // Everything the server answers from here on, and what the page sent.
      const answers = [];
      const sent = [];
      admin.on('request', (request) => sent.push(request.postData() ?? ''));
      admin.on('response', (response) => {
        if (!response.url().includes('/pkg/')) answers.push(response.text().catch(() => ''));
      });

      // A wrong address is pointed out at its field.
      await admin.fill('#ai-provider-form #field-name', 'Servidor local');
      await admin.fill('#ai-provider-form #field-base_url', 'ftp://servidor');
      await admin.fill('#ai-provider-form #field-model', 'llama3.2');
      await admin.fill('#ai-provider-form #field-api_key', 'sk-e2e-secret');
      await admin.click('#ai-provider-form button[type=submit]');
      await admin.locator('#field-base_url[aria-invalid="true"]').waitFor();
      await admin.fill('#ai-provider-form #field-base_url', baseUrl);
      await admin.fill('#ai-provider-form #field-api_key', 'sk-e2e-secret');
      await admin.click('#ai-provider-form button[type=submit]');
      const row = admin.locator('.ai-provider[data-provider="Servidor local"]');
      await row.waitFor();
      assert.match(await row.innerText(), /Padrão/);
      assert.match(await row.innerText(), /chave salva/);
      // The key went to the server once, and never comes back: not in the
      // server functions' answers, nor in the page rendered again.
      assert.ok(sent.some((body) => body.includes('sk-e2e-secret')), 'the form sent the key');
      await admin.reload();
      await waitForHydration(admin);
      await row.waitFor();
      const bodies = await Promise.all(answers);
      assert.ok(bodies.some((body) => body.includes('Servidor local')), 'answers were read');
      assert.ok(!bodies.some((body) => body.includes('sk-e2e-secret')), 'the key never comes back');

      await row.locator('.test-provider').click();
      const check = row.locator('.provider-check[data-ok="true"]');
      await check.waitFor({ timeout: 15_000 });
      assert.match(await check.innerText(), /Respondeu em \d+ ms \(llama3\.2\)/);
      assert.equal(received.at(-1).authorization, 'Bearer sk-e2e-secret');
      await admin.locator('#ai-usage', { hasText: 'Servidor local' }).waitFor();

      // The summary of a conversation is now the provider's.
      await withBrowser(async (visitorContext) => {
        const visitor = await openWidget(visitorContext, account);
        await say(visitor, `Preciso trocar o tamanho da camiseta ${marker}.`);
        await admin.goto(`${BASE_URL}/inbox`);
        await waitForHydration(admin);
        const conversation = admin.locator('#conversation-list li', { hasText: marker });
        await conversation.waitFor({ timeout: 15_000 });
        await conversation.locator('a').click();
        await admin.locator('#timeline [data-kind="incoming"]', { hasText: marker }).first().waitFor({ timeout: 15_000 });
        const summarize = admin.locator('#summarize');
        await summarize.waitFor({ state: 'attached', timeout: 15_000 });
        if (!(await summarize.isVisible())) await admin.click('#toggle-contact');
        await summarize.click();
        await admin.locator('#summary-text', { hasText: SUMMARY }).waitFor({ timeout: 15_000 });
        assert.equal(await admin.locator('#summary-author').innerText(), 'Por Servidor local');
        const asked = received.at(-1).body.messages.map((m) => m.content).join('\n');
        assert.match(asked, new RegExp(`Customer: Preciso trocar o tamanho da camiseta ${marker}`));
      });
    });
  } finally {
    server.close();
  }
});
