// Gives each lazily loaded part of the app (a page, the contact panel...)
// one file holding every wasm module it needs, and replaces wasm-split's
// loader with a compact one that takes a part's modules from that file.
//
// Why: wasm-split (cargo-leptos --split) gives the code each set of lazy
// parts shares its own module, so a settings page needed 30-107 files, most
// under 1 KB compressed. On a phone (150 ms round trips, six connections per
// host over HTTP/1.1) that cost seconds in waiting alone, and brotli
// compresses the modules together better than apart (docs/BENCHMARKS.md).
// wasm-split's loader also names each of its ~400 modules by a hashed file
// name in ~30 lines of code apiece: 12 KB compressed, mostly hashes brotli
// cannot shrink, in every first visit (ponte.js imports it).
//
// What it changes in the built site's pkg directory:
// - merges the data segments of the main module and of the lazy modules
//   again (scripts/wasm-data.mjs), in place;
// - writes `bundle_<part>.<hash>.wasm` per part: a little-endian u32 with
//   the length of a JSON index ([[module number, size], ...]), the index,
//   then the modules' bytes in that order;
// - the manifest (read by the server to preload a lazy page's files when it
//   renders that page) lists each part's bundle instead of its modules;
// - the loader keeps wasm-split's runtime (shared imports, the callback to
//   the Rust side, loading a module once its dependencies are in) and its
//   exports, one per part, but knows modules by number: a part's first load
//   fetches its bundle, and a failed one is fetched again on the next try.
//   The loader fails the build when its shape is not the one parsed here.
// The modules stay on disk, so a browser holding an older loader still works.
// Running it twice changes nothing (the loader then carries the marker).
//
// Usage: node scripts/bundle-lazy-chunks.mjs <site root>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataBytes, MAIN_GAP, mergeDataSegments } from './wasm-data.mjs';

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

function bundle(numbers, stems) {
  const contents = stems.map((stem) => readFileSync(join(pkg, `${stem}.wasm`)));
  const index = Buffer.from(JSON.stringify(numbers.map((number, i) => [number, contents[i].length])));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(index.length);
  return Buffer.concat([length, index, ...contents]);
}

// Runs in the browser, after wasm-split's runtime (makeLoad, wrapAsyncCb).
const RUNTIME = `
const ponteBundles = [];
function ponteBundled(file, load) {
    let loading;
    return () => {
        if (loading === undefined) {
            const modules = fetch(new URL("./" + file, import.meta.url))
                .then((response) => (response.ok ? response.arrayBuffer() : Promise.reject(new Error(file + ": " + response.status))))
                .then(ponteUnpack)
                .catch((error) => { console.warn(error); return new Map(); });
            ponteBundles.push(modules);
            const attempt = load();
            loading = attempt;
            const done = () => {
                const at = ponteBundles.indexOf(modules);
                if (at >= 0) ponteBundles.splice(at, 1);
            };
            attempt.then(done, () => { done(); if (loading === attempt) loading = undefined; });
        }
        return loading;
    };
}
function ponteUnpack(buffer) {
    const indexLength = new DataView(buffer).getUint32(0, true);
    const index = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, indexLength)));
    const modules = new Map();
    let offset = 4 + indexLength;
    for (const [number, size] of index) {
        modules.set(number, new Uint8Array(buffer, offset, size));
        offset += size;
    }
    return modules;
}
async function ponteBytes(number) {
    for (const modules of await Promise.all(ponteBundles)) {
        const bytes = modules.get(number);
        if (bytes) return bytes;
    }
    throw new Error("wasm module " + number + " did not arrive");
}
function ponteModule(number, deps) {
    return makeLoad(() => {
        const bytes = ponteBytes(number);
        return async (imports) => WebAssembly.instantiate(await bytes, imports);
    }, deps.map((dep) => ponteChunks[dep]));
}
const ponteChunks = [];
`;

const FETCHED = String.raw`\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.-]+)\.wasm", import\.meta\.url\)\);\s*return async \(imports\) => \(WebAssembly\.instantiateStreaming\(src, imports\)\);\s*\}\s*, \[([\w, ]*)\]`;
const CHUNK = new RegExp(String.raw`const (__chunk_\d+) = makeLoad\(${FETCHED}\);`, 'g');
const PART = new RegExp(String.raw`export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(${FETCHED}\)\);`, 'g');

/** wasm-split's loader, taken apart: its import, its runtime, its modules and lazy parts. */
function parseLoader(source) {
  const code = source.replace(/\/\*[^*]*\*\//g, '');
  const importLine = code.slice(0, code.indexOf('\n'));
  if (!importLine.startsWith('import ')) fail('the loader no longer starts with its import');
  const firstChunk = code.indexOf('\nconst __chunk_');
  if (firstChunk < 0) fail('the loader defines no shared module');
  const runtime = code.slice(importLine.length, firstChunk).split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
  for (const name of ['getSharedImports', 'wrapAsyncCb', 'makeLoad']) {
    if (!runtime.includes(`function ${name}(`)) fail(`the loader's runtime lacks ${name}`);
  }
  const numbers = new Map();
  const chunks = [];
  const depsOf = (list, what) => list.split(',').map((dep) => dep.trim()).filter(Boolean).map((dep) => {
    if (!numbers.has(dep)) fail(`${what} needs ${dep}, defined after it or not at all`);
    return numbers.get(dep);
  });
  for (const [, name, stem, deps] of code.matchAll(CHUNK)) {
    chunks.push({ stem, deps: depsOf(deps, name) });
    numbers.set(name, chunks.length - 1);
  }
  const parts = [...code.matchAll(PART)].map(([, part, stem, deps]) => ({ part, stem, deps: depsOf(deps, part) }));
  const rest = code.slice(firstChunk).replace(CHUNK, '').replace(PART, '').trim();
  if (rest) fail(`the loader holds code this script does not know: ${rest.slice(0, 120)}`);
  return { importLine, runtime, chunks, parts };
}

/**
 * Merges the data segments of the main module and of every lazy module (the
 * linker emitted one per constant; scripts/wasm-data.mjs says why and how),
 * in place: the files keep their names, which stay unique to their content.
 */
function mergeConstants(mainScript, lazyStems) {
  const mainName = mainScript.match(/from "\.\/([\w-]+)\.[\w-]+\.js"/)?.[1] ?? fail('the loader imports no main script');
  const mainPath = only(new RegExp(`^${mainName}\\.[\\w-]+\\.wasm$`), 'main wasm module');
  const paths = [mainPath, ...lazyStems.map((stem) => join(pkg, `${stem}.wasm`))];
  let before = 0;
  let after = 0;
  paths.forEach((path, i) => {
    const bytes = readFileSync(path);
    const merged = mergeDataSegments(bytes, i === 0 ? MAIN_GAP : 0);
    before += bytes.length;
    after += merged.length;
    if (merged !== bytes) writeFileSync(path, merged);
  });
  console.log(`    merged the data segments of ${paths.length} wasm modules: ${Math.round(before / 1024)} KB -> ${Math.round(after / 1024)} KB`);
}

const loaderPath = only(/^__wasm_split\.[\w-]+\.js$/, 'wasm-split loader');
const manifestPath = only(/^__wasm_split_manifest\.[\w-]+\.json$/, 'wasm-split manifest');
const loader = readFileSync(loaderPath, 'utf8');
if (loader.includes(MARKER)) {
  console.log('    lazy parts already bundled');
  process.exit(0);
}

const { importLine, runtime, chunks, parts } = parseLoader(loader);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
if (parts.length !== Object.keys(manifest).length) fail(`the loader has ${parts.length} lazy parts, the manifest ${Object.keys(manifest).length}`);
// wasm-split moves the constants only lazy parts use (their strings,
// tables) into those parts' modules. When its re-packing of the data would
// not fit in the linker's segment it logs "Overlong segment" and keeps them
// all in the main module instead: about 60 KB more brotli in every first
// visit (measured 2026-12-06). The frontend is linked so that this cannot
// happen (frontend/build.rs); this check keeps it that way.
const lazyStems = [...chunks.map((chunk) => chunk.stem), ...parts.map((part) => part.stem)];
const lazyData = lazyStems.reduce((sum, stem) => sum + dataBytes(readFileSync(join(pkg, `${stem}.wasm`))), 0);
if (lazyData < 1024) {
  fail(`wasm-split kept every constant in the main module (${lazyData} bytes elsewhere; it logs "Overlong segment" then), `
    + 'so each first visit would carry the lazy parts\' data. Is the frontend still linked with '
    + '--no-merge-data-segments (frontend/build.rs)? docs/BENCHMARKS.md, "Constants of lazy parts".');
}
// Each part's modules, its own numbered after the shared ones.
const plans = parts.map(({ part, stem, deps }, i) => {
  const stems = [...deps.map((dep) => chunks[dep].stem), stem];
  const listed = manifest[part];
  if (!listed || listed.length !== stems.length || !stems.every((s) => listed.includes(s))) {
    fail(`the manifest and the loader disagree on the modules of ${part}`);
  }
  return { part, deps, stems, number: chunks.length + i };
});
// Last of the changes to the modules, after every check: a run stopped
// before it leaves them as built.
mergeConstants(importLine, lazyStems);

const bundles = {};
const exports = [];
let modules = 0;
let bytes = 0;
for (const { part, deps, stems, number } of plans) {
  const contents = bundle([...deps, number], stems);
  const name = `bundle_${part}.${contentHash(contents)}`;
  writeFileSync(join(pkg, `${name}.wasm`), contents);
  bundles[part] = name;
  exports.push(`export const __wasm_split_load_${part} = wrapAsyncCb(ponteBundled("${name}.wasm", ponteModule(${number}, ${JSON.stringify(deps)})));`);
  modules += stems.length;
  bytes += contents.length;
}

const rewritten = [
  importLine,
  MARKER,
  runtime.trim(),
  RUNTIME.trim(),
  `for (const deps of ${JSON.stringify(chunks.map((chunk) => chunk.deps))}) ponteChunks.push(ponteModule(ponteChunks.length, deps));`,
  ...exports,
  '',
].join('\n');
writeFileSync(loaderPath, rewritten);
writeFileSync(manifestPath, JSON.stringify(Object.fromEntries(Object.entries(bundles).map(([part, name]) => [part, [name]]))));
console.log(`    bundled ${modules} module loads of ${parts.length} lazy parts into ${parts.length} files (${Math.round(bytes / 1024)} KB before compression); loader ${Math.round(loader.length / 1024)} KB -> ${Math.round(rewritten.length / 1024)} KB`);
