// An automated accessibility pass (axe-core, WCAG 2 A and AA) over the main
// pages, in light and dark: no serious or critical violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { withBrowser, signIn, waitForHydration, newAccount, BASE_URL } from './helpers.mjs';

const require = createRequire(import.meta.url);
// Evaluated through the devtools protocol: our Content-Security-Policy
// (rightly) refuses an injected <script>.
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function violations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 6).map(describe).join(' | ')}`);
}

function describe(node) {
  const data = node.any.find((check) => check.data)?.data;
  const colors = data?.fgColor ? ` ${data.fgColor} on ${data.bgColor} = ${data.contrastRatio}` : '';
  return node.target.join(' ') + colors;
}

for (const theme of ['light', 'dark']) {
  test(`the main pages pass axe in the ${theme} theme`, async () => {
    const account = newAccount();
    await withBrowser(async (ctx) => {
      const page = await ctx.newPage();
      await page.goto(BASE_URL + '/login');
      await waitForHydration(page);
      const found = {};
      const check = async (path) => {
        const list = await violations(page);
        if (list.length) found[path] = list;
      };
      await check('/login');
      await signIn(page, account.admin);
      await page.click(`button[data-theme=${theme}]`);
      await page.waitForFunction((dark) => document.documentElement.classList.contains('dark') === dark, theme === 'dark');
      await page.goto(BASE_URL + '/inbox');
      await waitForHydration(page);
      await check('/inbox');
      await page.click('#conversation-list li[data-number="1"] a');
      await page.waitForSelector('#composer-input');
      await check('a conversation');
      for (const path of ['/settings/users', '/settings/channels', '/settings/departments', '/settings/quick-replies', '/settings/attributes', '/settings/api-tokens', '/settings/api-tokens/docs', '/settings/account', '/settings/profile', '/settings/productivity', '/settings/categories', '/dashboard', '/reports', '/audit', '/flows/agents', '/rules']) {
        await page.goto(BASE_URL + path);
        await waitForHydration(page);
        await check(path);
      }
      await page.click('#new-rule');
      await page.click('#add-condition-group');
      await page.click('#add-action');
      await check('the rule form');
      await page.goto(BASE_URL + '/flows/agents');
      await waitForHydration(page);
      await page.locator('#agents .open-knowledge').first().click();
      await page.locator('#agents .knowledge-form').waitFor();
      await check("an agent's knowledge");
      assert.deepEqual(found, {});
    }, { colorScheme: theme });
  });
}

// 1280 px at 200% zoom is a 640 px wide page (WCAG 1.4.10 reflow): nothing
// may need sideways scrolling, and the inbox filters show their whole labels.
test('at 200% zoom no page scrolls sideways and filter labels are whole', async () => {
  const account = newAccount();
  await withBrowser(async (ctx) => {
    const page = await ctx.newPage();
    await signIn(page, account.admin);
    const wide = {};
    for (const path of ['/inbox', '/inbox/1', '/settings/users', '/settings/channels', '/settings/api-tokens', '/settings/account', '/settings/profile', '/settings/categories', '/dashboard', '/reports', '/audit', '/rules', '/flows/agents']) {
      await page.goto(BASE_URL + path);
      await waitForHydration(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) wide[path] = overflow;
    }
    assert.deepEqual(wide, {}, 'pages wider than the window, by px');

    await page.goto(BASE_URL + '/inbox/1');
    await waitForHydration(page);
    await page.locator('#composer-input').waitFor();
    const share = await page.evaluate(() => document.querySelector('#timeline').getBoundingClientRect().height / window.innerHeight);
    assert.ok(share >= 0.4, `the messages keep a good part of a short window (${Math.round(share * 100)} %)`);

    await page.goto(BASE_URL + '/inbox?priority=high');
    await waitForHydration(page);
    const cut = await page.$$eval('#inbox-filters select', (selects) => selects
      .filter((s) => {
        const probe = document.createElement('span');
        probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font:' + getComputedStyle(s).font;
        probe.textContent = s.options[s.selectedIndex].text;
        document.body.append(probe);
        const needed = probe.getBoundingClientRect().width;
        probe.remove();
        return needed + 16 > s.clientWidth;
      })
      .map((s) => s.name));
    assert.deepEqual(cut, [], 'filters whose chosen label does not fit');
  }, { viewport: { width: 640, height: 400 } });
});
