// A WhatsApp number connected from Settings, end to end in a real browser:
// its webhook URL, a signed webhook showing up live in the inbox, the reply
// reaching the (local) Graph API, a refused reply retried from the inbox,
// a WhatsApp template typed in under Settings and sent from the composer, and
// a reply that quotes the customer's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { withBrowser, signIn, unique, newAccount, waitForHydration } from './helpers.mjs';

/** A local Graph API: records send requests; refuses them while told to. */
async function mockGraph() {
  const state = { sends: [], refuse: false };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && /^\/v21\.0\/\d+\/messages$/.test(req.url)) {
        state.sends.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.setHeader('content-type', 'application/json');
        if (state.refuse) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: { message: 'Message Undeliverable.', code: 131026 } }));
        } else {
          res.end(JSON.stringify({ messages: [{ id: `wamid.e2e.${state.sends.length}` }] }));
        }
        return;
      }
      res.statusCode = 404;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => server.close();
  return state;
}

/** Connects a WhatsApp Cloud number in Settings; returns its card. */
async function addWhatsappNumber(page, { name, phone, token, secret, graph }) {
  await page.goto(`${page.url().split('/inbox')[0]}/settings/connections`);
  await waitForHydration(page);
  await page.locator('#conn-new-name').waitFor();
  await page.fill('#conn-new-name', name);
  await page.fill('#conn-new-phone_number_id', phone);
  await page.fill('#conn-new-access_token', token);
  await page.fill('#conn-new-app_secret', secret);
  await page.fill('#conn-new-verify_token', 'verify-e2e');
  await page.fill('#conn-new-api_base_url', graph.url);
  await page.click('form[data-connection-form="conn-new"] button[type="submit"]');
  const card = page.locator('section[data-connection]', { hasText: name });
  await card.waitFor();
  return card;
}

async function until(what, check) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

test('a WhatsApp connection made in Settings receives live and replies through the provider', async () => {
  const account = newAccount();
  const graph = await mockGraph();
  const appSecret = `secret-${unique()}`;
  const text = `Olá pelo WhatsApp ${unique()}`;
  try {
    await withBrowser(async (context) => {
      const page = await context.newPage();
      await signIn(page, account.admin);
      const card = await addWhatsappNumber(page, {
        name: 'WhatsApp E2E', phone: '5550001', token: 'graph-token', secret: appSecret, graph,
      });
      const webhookUrl = (await card.locator('[data-webhook-url]').textContent()).trim();
      assert.match(webhookUrl, /^http:\/\/127\.0\.0\.1:\d+\/webhooks\/whatsapp\/\d+$/);
      assert.doesNotMatch(await card.textContent(), new RegExp(appSecret), 'secrets are never shown');

      // Its conversations start in Suporte, and customers whose language is
      // unknown are written to in English; both survive a reload.
      const routing = card.locator('form[data-routing]');
      const department = routing.locator('select[name="default_department_id"]');
      await department.locator('option', { hasText: 'Suporte' }).waitFor({ state: 'attached' });
      await department.selectOption({ label: 'Suporte' });
      await routing.locator('select[name="language"]').selectOption('en');
      await routing.locator('button[type="submit"]').click();
      await routing.getByRole('status').waitFor();
      await page.reload();
      await waitForHydration(page);
      const saved = page.locator('section[data-connection]', { hasText: 'WhatsApp E2E' }).locator('form[data-routing]');
      await saved.locator('select[name="default_department_id"] option', { hasText: 'Suporte' }).waitFor({ state: 'attached' });
      assert.equal(await saved.locator('select[name="language"]').inputValue(), 'en');
      assert.equal((await saved.locator('select[name="default_department_id"] option:checked').textContent()).trim(), 'Suporte');

      // The inbox is open when the customer writes: it appears without a reload.
      await page.goto(webhookUrl.replace(/\/webhooks\/.*$/, '/inbox'));
      await waitForHydration(page);
      await page.locator('#conversation-list').waitFor();
      const inboundId = `wamid.in.${unique()}`;
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
          messaging_product: 'whatsapp',
          contacts: [{ wa_id: '5511912345678', profile: { name: 'Cliente E2E' } }],
          messages: [{ id: inboundId, from: '5511912345678', type: 'text', text: { body: text } }],
        } }] }],
      });
      const signature = 'sha256=' + createHmac('sha256', appSecret).update(body).digest('hex');
      const refused = await fetch(webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(refused.status, 401, 'unsigned webhooks are refused');
      const accepted = await fetch(webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
      assert.equal(accepted.status, 200);
      const row = page.locator('#conversation-list li', { hasText: text });
      await row.waitFor({ timeout: 15_000 });
      await row.locator('a').click();
      await page.locator('#timeline', { hasText: text }).waitFor();

      // The reply goes out through the Graph API, and shows as sent.
      const reply = `Olá! ${unique()}`;
      await page.fill('#composer-input', reply);
      await page.click('#send');
      await until('the Graph API received the reply', () => graph.sends.length === 1);
      assert.equal(graph.sends[0].auth, 'Bearer graph-token');
      assert.deepEqual(graph.sends[0].body, {
        messaging_product: 'whatsapp', recipient_type: 'individual', to: '5511912345678',
        type: 'text', text: { preview_url: false, body: reply },
      });
      await page.locator(`#timeline [data-kind="outgoing"]:has-text("${reply}") [data-delivery="sent"]`).waitFor({ timeout: 15_000 });

      // Refused: "failed", the provider's reason, and a retry that works.
      graph.refuse = true;
      const second = `Segunda ${unique()}`;
      await page.fill('#composer-input', second);
      await page.click('#send');
      const bubble = page.locator(`#timeline [data-kind="outgoing"]:has-text("${second}")`);
      await bubble.locator('[data-delivery="failed"]').waitFor({ timeout: 15_000 });
      assert.match(await bubble.locator('[data-delivery-error]').textContent(), /131026: Message Undeliverable/);
      graph.refuse = false;
      await bubble.locator('[data-retry-send]').click();
      await bubble.locator('[data-delivery="sent"]').waitFor({ timeout: 15_000 });
      assert.equal(graph.sends.length, 3);

      // A template typed in under Settings → Connections → Templates…
      const conversationUrl = page.url();
      await page.goto(webhookUrl.replace(/\/webhooks\/whatsapp\/(\d+)$/, '/settings/connections/$1/templates'));
      await page.locator('input[name="template_name"]').waitFor();
      await waitForHydration(page);
      await page.fill('input[name="template_name"]', 'Boas Vindas');
      await page.fill('textarea[name="template_body"]', 'Olá {{1}}! Podemos continuar seu atendimento?');
      await page.click('#new-template button[type="submit"]');
      await page.locator('#new-template [role="alert"]').waitFor();
      await page.fill('input[name="template_name"]', 'boas_vindas');
      await page.click('#new-template button[type="submit"]');
      const template = page.locator('section[data-template="boas_vindas"]');
      await template.locator('[data-template-status="approved"]').waitFor();

      // …is chosen in the composer, filled, previewed and sent as a template.
      await page.goto(conversationUrl);
      await waitForHydration(page);
      await page.locator('#template-button').click();
      await page.locator('[data-template-option="boas_vindas"]').click();
      await page.fill('[data-template-value="0"]', 'Cliente E2E');
      await page.locator('[data-template-preview]', { hasText: 'Olá Cliente E2E! Podemos continuar seu atendimento?' }).waitFor();
      await page.click('#send-template');
      await until('the Graph API received the template', () => graph.sends.length === 4);
      assert.deepEqual(graph.sends[3].body.template, {
        name: 'boas_vindas', language: { code: 'pt_BR' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Cliente E2E' }] }],
      });
      await page.locator('#timeline [data-kind="outgoing"]:has-text("Olá Cliente E2E! Podemos continuar")').waitFor();

      // Replying to the customer's message quotes it, in the timeline and at WhatsApp.
      const customerMessage = page.locator(`#timeline [data-kind="incoming"]:has-text("${text}")`);
      await customerMessage.hover();
      await customerMessage.locator('[data-quote]').click();
      await page.locator('#replying-to', { hasText: text }).waitFor();
      const answer = `Respondendo ${unique()}`;
      await page.fill('#composer-input', answer);
      await page.click('#send');
      await until('the Graph API received the quoting reply', () => graph.sends.length === 5);
      assert.deepEqual(graph.sends[4].body.context, { message_id: inboundId });
      await page.locator(`#timeline [data-kind="outgoing"]:has-text("${answer}") [data-quoted]`, { hasText: text }).waitFor();
      assert.equal(await page.locator('#replying-to').count(), 0, 'the quote is cleared after sending');
    });
  } finally {
    graph.close();
  }
});

test('a connection that goes down rings the admin\'s bell, which leads to the connections', async () => {
  const account = newAccount();
  const graph = await mockGraph();
  const name = `WhatsApp Caiu ${unique()}`;
  try {
    await withBrowser(async (context) => {
      const page = await context.newPage();
      await signIn(page, account.admin);
      const card = await addWhatsappNumber(page, {
        name, phone: '5550002', token: 'revoked-token', secret: `secret-${unique()}`, graph,
      });

      // The local Graph API does not know the number: the test fails, the
      // connection is down, and the bell rings without a reload.
      await card.locator('[data-test-connection]').click();
      await card.locator('[data-test-result="false"]').waitFor();
      const alert = page.locator('#notifications li[data-kind="connection_down"]', { hasText: name });
      await alert.waitFor({ state: 'attached', timeout: 20_000 });
      assert.equal(await alert.getAttribute('data-read'), 'false');
      await page.locator('#notification-count').waitFor();
      await page.click('#notifications summary');
      assert.match(await alert.textContent(), /Uma conexão caiu/);

      // Opened from the inbox, it leads back here and is read.
      await page.goto(`${page.url().split('/settings')[0]}/inbox`);
      await waitForHydration(page);
      await page.click('#notifications summary');
      await page.locator('#notifications li[data-kind="connection_down"]', { hasText: name }).locator('a').click();
      await page.waitForURL(/\/settings\/connections$/);
      await page.locator('#notifications li[data-kind="connection_down"][data-read="true"]', { hasText: name }).waitFor({ state: 'attached' });
    });
  } finally {
    graph.close();
  }
});

/** A local Z-API instance: a few QR codes until restarted, paired on demand. */
async function mockZapi() {
  const state = { paired: false, codes: 0, maxCodes: 2 };
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const action = req.url.replace(/^\/instances\/[^/]+\/token\/[^/]+\//, '');
    if (req.headers['client-token'] !== 'zapi-client') {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'Unauthorized' }));
    } else if (action === 'status') {
      res.end(JSON.stringify({ connected: state.paired, error: state.paired ? 'You are already connected.' : 'You are not connected.' }));
    } else if (action === 'qr-code/image' && state.codes < state.maxCodes) {
      state.codes += 1;
      res.end(JSON.stringify({ value: `data:image/png;base64,iVBORw0KGgo${state.codes}=` }));
    } else if (action === 'qr-code/image') {
      res.end(JSON.stringify({ connected: false, error: 'QR code attempts exhausted.' }));
    } else if (action === 'restart') {
      state.codes = 0;
      res.end(JSON.stringify({ value: true }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => server.close();
  return state;
}

test('a Z-API number is paired by QR code, which expires until the session restarts', async () => {
  const account = newAccount();
  const zapi = await mockZapi();
  const name = `Z-API ${unique()}`;
  try {
    await withBrowser(async (context) => {
      const page = await context.newPage();
      await signIn(page, account.admin);
      await page.goto(`${page.url().split('/inbox')[0]}/settings/connections`);
      await waitForHydration(page);
      await page.selectOption('#conn-new-type', 'zapi');
      await page.fill('#conn-new-name', name);
      await page.fill('#conn-new-instance_id', 'I-E2E');
      await page.fill('#conn-new-token', 'zapi-token');
      await page.fill('#conn-new-client_token', 'zapi-client');
      await page.fill('#conn-new-api_base_url', zapi.url);
      await page.click('form[data-connection-form="conn-new"] button[type="submit"]');
      const card = page.locator('section[data-connection]', { hasText: name });
      await card.waitFor();
      const panel = card.locator('[data-zapi-pairing]');
      assert.match(await panel.getByRole('note').textContent(), /não oficial/, 'the ban warning');

      const showQr = panel.getByRole('button', { name: 'Mostrar QR code' });
      const state = (value) => panel.locator(`[data-session-state="${value}"]`);
      await showQr.click();
      await state('awaiting_scan').waitFor();
      const first = await panel.locator('img[data-qr-code]').getAttribute('src');
      await showQr.click();
      await panel.locator(`img[data-qr-code]:not([src="${first}"])`).waitFor();
      // Z-API offers no more codes: the panel says so and points at Restart.
      await showQr.click();
      await state('qr_expired').waitFor();
      assert.match(await state('qr_expired').textContent(), /Reiniciar/);
      assert.equal(await panel.locator('img[data-qr-code]').count(), 0);
      await panel.getByRole('button', { name: 'Reiniciar' }).click();
      await state('awaiting_scan').waitFor();
      await panel.locator('img[data-qr-code]').waitFor();

      // The phone scans: connected, on the card too after a reload.
      zapi.paired = true;
      await showQr.click();
      await state('connected').waitFor();
      assert.equal(await panel.locator('img[data-qr-code]').count(), 0);
      await page.reload();
      await waitForHydration(page);
      await page.locator('section[data-connection]', { hasText: name }).locator('[data-health="connected"]').first().waitFor();
    });
  } finally {
    zapi.close();
  }
});
