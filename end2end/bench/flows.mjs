// `./ponte.sh bench flows`: the flow builder with 200 blocks on a laptop
// (headless Chromium, no throttling): how long the builder takes to show
// them, and the frame intervals while a block is dragged across the canvas
// and while the canvas is panned — dropped frames are intervals over 1.5×
// the 60 Hz frame.
import { withBrowser, signIn, waitForHydration, BASE_URL } from '../tests/helpers.mjs';

const BLOCKS = 200;
const token = process.env.PONTE_TOKEN;
if (!token) throw new Error('PONTE_TOKEN (an admin API token) is required');

/** A start, 198 messages and an end, in a chain, on a 10-wide grid. */
function bigFlow() {
  const at = (i) => ({ x: (i % 10) * 260, y: Math.floor(i / 10) * 140 });
  const blocks = [{ id: 'b0', type: 'start', position: at(0), trigger: { kind: 'manual' } }];
  for (let i = 1; i < BLOCKS - 1; i += 1) blocks.push({ id: `b${i}`, type: 'send_text', position: at(i), text: `Mensagem ${i}` });
  blocks.push({ id: `b${BLOCKS - 1}`, type: 'end', position: at(BLOCKS - 1) });
  const edges = blocks.slice(1).map((b, i) => ({ from: `b${i}`, to: b.id }));
  return { schema: 1, variables: [], blocks, edges };
}

async function createFlow() {
  const response = await fetch(`${BASE_URL}/api/v1/flows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Bench ${Date.now()}`, definition: bigFlow() }),
  });
  if (response.status !== 201) throw new Error(`creating the flow: ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

/** Frame intervals (ms) while `action` runs. */
async function frames(page, action) {
  await page.evaluate(() => {
    window.__frames = [];
    window.__recording = true;
    const tick = (t) => { window.__frames.push(t); if (window.__recording) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await action();
  const stamps = await page.evaluate(() => { window.__recording = false; return window.__frames; });
  return stamps.slice(1).map((t, i) => t - stamps[i]);
}

function report(what, intervals) {
  const sorted = [...intervals].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const dropped = intervals.filter((d) => d > 25).length;
  console.log(`${what.padEnd(34)} ${intervals.length} frames   p50 ${pick(0.5).toFixed(1)} ms   p95 ${pick(0.95).toFixed(1)} ms   max ${sorted[sorted.length - 1].toFixed(1)} ms   dropped ${dropped}`);
}

const id = await createFlow();
await withBrowser(async (context) => {
  const page = await context.newPage();
  await signIn(page, 'admin@demo.ponte.dev');
  const started = Date.now();
  await page.goto(`${BASE_URL}/flows/${id}`);
  await waitForHydration(page);
  await page.locator('[data-block]').nth(BLOCKS - 1).waitFor();
  console.log(`${BLOCKS} blocks shown in ${Date.now() - started} ms (navigation to the last block drawn)`);

  const block = await page.locator('[data-block="b12"]').boundingBox();
  const drag = await frames(page, async () => {
    await page.mouse.move(block.x + 60, block.y + 40);
    await page.mouse.down();
    for (let step = 1; step <= 120; step += 1) {
      await page.mouse.move(block.x + 60 + step * 2, block.y + 40 + step);
    }
    await page.mouse.up();
  });
  report('dragging a block (120 moves)', drag);

  const canvas = await page.locator('#flow-canvas').boundingBox();
  const pan = await frames(page, async () => {
    await page.mouse.move(canvas.x + canvas.width - 20, canvas.y + canvas.height - 20);
    await page.mouse.down();
    for (let step = 1; step <= 120; step += 1) {
      await page.mouse.move(canvas.x + canvas.width - 20 - step * 2, canvas.y + canvas.height - 20 - step);
    }
    await page.mouse.up();
  });
  report('panning the canvas (120 moves)', pan);
});
