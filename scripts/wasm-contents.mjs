// What the first download's wasm holds, for `./ponte.sh bench wasm`.
//
// The served wasm keeps no names. wasm-split's own analysis does: run with
// `-v` and RUST_LOG=trace on the linked wasm (before wasm-bindgen and
// wasm-opt), it lists every function and constant of each module it emits,
// with sizes. This script reads that trace and prints where the main module's
// bytes go (by crate, by kind of function, the largest functions) and how the
// app's constants divide between the main module and the lazy parts; then the
// served main module's sections, raw and brotli. Sizes from the trace are
// before wasm-opt: use them for proportions, the served sizes for bytes.
//
// Usage: node scripts/wasm-contents.mjs <wasm-split trace> <site pkg dir>
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const [tracePath, pkg] = process.argv.slice(2);
if (!tracePath || !pkg) {
  console.error('usage: wasm-contents.mjs <wasm-split trace> <site pkg dir>');
  process.exit(2);
}

const MODULE = /SPLIT: =+ (.+?)\s*$/;
const FUNCTION = /func\[\d+\] <Some\("(.*)"\)> size=(\d+)/;
const CONSTANT = /DefinedDataSymbol \{ index: (\d+), offset: (\d+), size: (\d+) \}/;

/** module name → { functions: [[name, size]], constants: Map(key → size) } */
function readTrace(text) {
  const modules = new Map();
  let current = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    const start = line.match(MODULE);
    if (start) {
      current = start[1].includes('total size') ? null : { functions: [], constants: new Map() };
      if (current) modules.set(start[1], current);
      continue;
    }
    if (!current) continue;
    const fn = line.match(FUNCTION);
    if (fn) current.functions.push([demangle(fn[1]), Number(fn[2])]);
    const data = line.match(CONSTANT);
    if (data) current.constants.set(`${data[1]}:${data[2]}`, Number(data[3]));
  }
  if (!modules.has('Main')) throw new Error(`no main module in ${tracePath}: was wasm-split run with -v and RUST_LOG=trace?`);
  return modules;
}

const ESCAPES = { LT: '<', GT: '>', C: ',', RF: '&', BP: '*', LP: '(', RP: ')', SP: '@' };

/** Rust's legacy symbol mangling (`_ZN…E`) back to a path, without the hash. */
function demangle(name) {
  if (!name.startsWith('_ZN')) return name;
  const parts = [];
  let at = 3;
  while (at < name.length && name[at] !== 'E') {
    const digits = name.slice(at).match(/^\d+/);
    if (!digits) return name;
    at += digits[0].length;
    parts.push(name.slice(at, at + Number(digits[0])));
    at += Number(digits[0]);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts
    .map((part) => part
      .replace(/^_\$/, '$')
      .replace(/\$u([0-9a-f]+)\$/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/\$([A-Z]+)\$/g, (whole, code) => ESCAPES[code] ?? whole)
      .replaceAll('..', '::'))
    .join('::');
}

/** The crate a function belongs to: the trait's for `<T as crate::Trait>`. */
function crateOf(path) {
  // The standard library comes precompiled with v0 mangling (`_R…`), where
  // the first crate root reads `C<disambiguator>_<length><name>`.
  if (path.startsWith('_R')) return path.match(/C(?:s\w*?_)?\d+([a-z_][a-z0-9_]*)/)?.[1] ?? 'std';
  const impl = path.match(/^<.*? as ([\w]+)::/);
  const first = impl ? impl[1] : path.replace(/^[<&*]+/, '').replace(/^(mut |dyn )+/, '').split(/::|\[/)[0];
  return first;
}

const KINDS = ['hydrate_async', 'hydrate', 'rebuild', 'build', 'deserialize', 'serialize', 'drop_in_place', 'fmt'];
function kindOf(path) {
  const found = KINDS.find((kind) => new RegExp(`::${kind}(::|$|<)`).test(path) || path.includes(`${kind}<`));
  return found ?? 'other';
}

function table(title, rows, total) {
  console.log(`\n${title}`);
  for (const [label, bytes] of rows) {
    console.log(`  ${String(bytes).padStart(9)} B  ${(100 * bytes / total).toFixed(1).padStart(5)} %  ${label}`);
  }
}

function tally(functions, key, top) {
  const sums = new Map();
  for (const [path, size] of functions) sums.set(key(path), (sums.get(key(path)) ?? 0) + size);
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, top);
}

const modules = readTrace(readFileSync(tracePath, 'utf8'));
const main = modules.get('Main');
const mainBytes = main.functions.reduce((sum, [, size]) => sum + size, 0);
const lazyBytes = [...modules].filter(([name]) => name !== 'Main')
  .reduce((sum, [, m]) => sum + m.functions.reduce((s, [, size]) => s + size, 0), 0);
console.log(`Functions before wasm-opt: main module ${main.functions.length} (${mainBytes} B), ${modules.size - 1} lazy modules (${lazyBytes} B)`);
table('Main module by crate', tally(main.functions, crateOf, 15), mainBytes);
table('Main module by kind of function', tally(main.functions, kindOf, KINDS.length + 1), mainBytes);
table('Main module, largest functions', [...main.functions].sort((a, b) => b[1] - a[1]).slice(0, 12)
  .map(([path, size]) => [path.length > 110 ? `${path.slice(0, 107)}...` : path, size]), mainBytes);

const inMain = [...main.constants.values()].reduce((sum, size) => sum + size, 0);
const lazyOnly = new Map();
for (const [name, m] of modules) {
  if (name === 'Main') continue;
  for (const [key, size] of m.constants) if (!main.constants.has(key)) lazyOnly.set(key, size);
}
const lazyTotal = [...lazyOnly.values()].reduce((sum, size) => sum + size, 0);
console.log(`\nConstants: ${inMain} B reached from the main module, ${lazyTotal} B only from lazy parts (wasm-split moves these out of the first download)`);

const served = readdirSync(pkg).find((f) => /^ponte\.[\w-]+\.wasm$/.test(f));
if (!served) throw new Error(`no main module (ponte.<hash>.wasm) in ${pkg}`);
const bytes = readFileSync(join(pkg, served));
const NAMES = { 1: 'types', 2: 'imports', 3: 'functions', 7: 'exports', 9: 'function table', 10: 'code', 11: 'constants' };
const rows = [];
for (let at = 8; at < bytes.length;) {
  const id = bytes[at++];
  let size = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++];
    size += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) break;
  }
  const brotli = brotliCompressSync(bytes.subarray(at, at + size), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  if (size > 1000) rows.push([NAMES[id] ?? `section ${id}`, size, brotli]);
  at += size;
}
console.log(`\nServed main module ${served}: ${bytes.length} B`);
for (const [name, size, brotli] of rows) console.log(`  ${name.padEnd(15)} ${String(size).padStart(9)} B raw  ${String(brotli).padStart(8)} B brotli (alone)`);
