// Gives each lazily loaded part of the app (a page, the contact panel...)
// one file holding every wasm module it needs, and makes wasm-split's
// loader fetch that file instead of the modules one by one.
//
// Why: wasm-split (cargo-leptos --split) gives the code each set of lazy
// parts shares its own module, so a settings page needed 30-107 files, most
// under 1 KB compressed. On a phone (150 ms round trips, six connections per
// host over HTTP/1.1) that cost seconds in waiting alone, and brotli
// compresses the modules together better than apart (docs/BENCHMARKS.md).
//
// What it changes in the built site's pkg directory:
// - writes `bundle_<part>.<hash>.wasm` per part: a little-endian u32 with
//   the length of a JSON index ([[module path, size], ...]), the index, then
//   the modules' bytes in that order;
// - the manifest (read by the server to preload a lazy page's files when it
//   renders that page) lists each part's bundle instead of its modules;
// - the loader fetches a part's bundle when the part is first asked for,
//   and takes its modules from it; a module missing from it, or a bundle
//   that failed to arrive, is fetched on its own as before. The loader's
//   comments (which parts share each module) are dropped: every first visit
//   downloads the loader.
// The modules stay on disk, so a browser holding an older loader still works.
// Running it twice changes nothing (the loader then carries the marker).
//
// Usage: node scripts/bundle-lazy-chunks.mjs <site root>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = '/* ponte: lazy parts come in bundles */';

const root = process.argv[2];
if (!root) {
  console.error('usage: bundle-lazy-chunks.mjs <site root>');
  process.exit(2);
}
const pkg = join(root, 'pkg');

function fail(message) {
  console.error(`bundle-lazy-chunks: ${message}`);
  process.exit(1);
}

function only(pattern, what) {
  const found = readdirSync(pkg).filter((name) => pattern.test(name));
  if (found.length !== 1) fail(`expected one ${what} in ${pkg}, found ${found.length}`);
  return join(pkg, found[0]);
}

/** The name cargo-leptos would give: 16 bytes of the content's hash, base64url. */
function contentHash(bytes) {
  return createHash('sha256').update(bytes).digest().subarray(0, 16).toString('base64url');
}

function bundle(modules) {
  const contents = modules.map((module) => readFileSync(join(pkg, `${module}.wasm`)));
  const index = Buffer.from(JSON.stringify(modules.map((module, i) => [`./${module}.wasm`, contents[i].length])));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(index.length);
  return Buffer.concat([length, index, ...contents]);
}

// Runs in the browser, at the top of the loader.
const PRELUDE = `${MARKER}
const ponteBundles = [];
function ponteBundled(file, load) {
    let asked = false;
    return () => {
        if (asked) return load();
        asked = true;
        const parts = fetch(new URL("./" + file, import.meta.url))
            .then((response) => (response.ok ? response.arrayBuffer() : Promise.reject(new Error(file + ": " + response.status))))
            .then(ponteUnpack)
            .catch((error) => { console.warn(error); return new Map(); });
        ponteBundles.push(parts);
        const loading = load();
        const done = () => {
            const at = ponteBundles.indexOf(parts);
            if (at >= 0) ponteBundles.splice(at, 1);
        };
        loading.then(done, done);
        return loading;
    };
}
function ponteUnpack(buffer) {
    const indexLength = new DataView(buffer).getUint32(0, true);
    const index = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, indexLength)));
    const parts = new Map();
    let offset = 4 + indexLength;
    for (const [path, size] of index) {
        parts.set(path, new Uint8Array(buffer, offset, size));
        offset += size;
    }
    return parts;
}
async function ponteFetch(path) {
    for (const parts of await Promise.all(ponteBundles)) {
        const bytes = parts.get(path);
        if (bytes) return new Response(bytes, { headers: { "Content-Type": "application/wasm" } });
    }
    return fetch(new URL(path, import.meta.url));
}
`;

const loaderPath = only(/^__wasm_split\.[\w-]+\.js$/, 'wasm-split loader');
const manifestPath = only(/^__wasm_split_manifest\.[\w-]+\.json$/, 'wasm-split manifest');
const loader = readFileSync(loaderPath, 'utf8');
if (loader.includes(MARKER)) {
  console.log('    lazy parts already bundled');
  process.exit(0);
}

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const bundles = {};
let modules = 0;
let bytes = 0;
for (const [part, files] of Object.entries(manifest)) {
  const contents = bundle(files);
  const name = `bundle_${part}.${contentHash(contents)}`;
  writeFileSync(join(pkg, `${name}.wasm`), contents);
  bundles[part] = name;
  modules += files.length;
  bytes += contents.length;
}

let fetches = 0;
let parts = 0;
const [importLine, ...rest] = loader.replace(/\/\*[^*]*\*\//g, '').split('\n');
if (!importLine.startsWith('import ')) fail('the loader no longer starts with its import');
const rewritten = [importLine, PRELUDE, ...rest].join('\n')
  .replace(/fetch\(new URL\(("\.\/[\w.-]+\.wasm"), import\.meta\.url\)\)/g, (_, path) => {
    fetches += 1;
    return `ponteFetch(${path})`;
  })
  .replace(
    /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([\s\S]*?)\]\)\);/g,
    (statement, part, body) => {
      if (!bundles[part]) fail(`the loader exports ${part}, which the manifest lacks`);
      parts += 1;
      return `export const __wasm_split_load_${part} = wrapAsyncCb(ponteBundled("${bundles[part]}.wasm", makeLoad(${body}])));`;
    },
  );
const expectedFetches = (loader.match(/fetch\(new URL\(/g) ?? []).length;
if (fetches === 0 || fetches !== expectedFetches) fail(`rewrote ${fetches} of ${expectedFetches} module fetches`);
if (parts !== Object.keys(manifest).length) fail(`bundled ${parts} of ${Object.keys(manifest).length} lazy parts`);

writeFileSync(loaderPath, rewritten);
writeFileSync(manifestPath, JSON.stringify(Object.fromEntries(Object.entries(bundles).map(([part, name]) => [part, [name]]))));
console.log(`    bundled ${modules} module loads of ${parts} lazy parts into ${parts} files (${Math.round(bytes / 1024)} KB before compression)`);
