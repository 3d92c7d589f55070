// Writes a brotli (.br) and a gzip (.gz) copy of every text or wasm file of
// the built site, for the server to send as they are (see
// server/src/http/assets.rs). Max settings: this runs once per build.
// Usage: node scripts/precompress.mjs <site root>
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, extname } from 'node:path';

const COMPRESSIBLE = new Set(['.wasm', '.js', '.css', '.svg', '.html', '.json', '.txt']);
const root = process.argv[2];
if (!root) {
  console.error('usage: precompress.mjs <site root>');
  process.exit(2);
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (COMPRESSIBLE.has(extname(entry.name))) yield path;
  }
}

const upToDate = (source, copy) => {
  try {
    return statSync(copy).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
};

let before = 0;
let after = 0;
for (const path of files(root)) {
  const raw = readFileSync(path);
  if (!upToDate(path, path + '.br')) {
    writeFileSync(path + '.br', brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }));
  }
  if (!upToDate(path, path + '.gz')) writeFileSync(path + '.gz', gzipSync(raw, { level: 9 }));
  before += raw.length;
  after += statSync(path + '.br').size;
}
console.log(`    precompressed ${Math.round(before / 1024)} KB of site files to ${Math.round(after / 1024)} KB (brotli)`);
