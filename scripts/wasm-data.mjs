// Reads and rewrites the data section (the constants) of the site's wasm
// modules, for bundle-lazy-chunks.mjs.
//
// Why: the frontend is linked with one data segment per constant
// (`--no-merge-data-segments`, frontend/build.rs), so that wasm-split can
// always move the constants only lazy parts use into their modules (with
// the linker's merged segments its re-packing overflowed now and then, and
// every constant stayed in the main module: +60 KB brotli per first visit).
// Thousands of small segments cost about 20 KB in the main module and
// 2-5 KB per lazy part, so they are merged again once the split is done:
// - in the main module, neighbours up to 4 KiB apart, the gap zero-filled:
//   the main module is instantiated first, on zeroed memory, so the gap
//   (constants of lazy parts, written when their module loads) is still
//   zero then;
// - in a lazy module, only neighbours that touch: it loads after others,
//   and a gap may hold state that no module's segment shows (the main
//   module's zero-initialised statics and heap bookkeeping, whose zeros
//   wasm-opt dropped from its data), which a filled gap would reset.
function fail(message) {
  throw new Error(`wasm-data: ${message}`);
}

const DATA = 11;
const DATA_COUNT = 12;
const I32_CONST = 0x41;
const END = 0x0b;
export const MAIN_GAP = 4096;

function reader(bytes, offset) {
  const at = { offset };
  at.byte = () => bytes[at.offset++];
  at.unsigned = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at.offset++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return value;
    }
  };
  at.signed32 = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at.offset++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return shift < 32 && byte & 0x40 ? value | (-1 << shift) : value;
  };
  return at;
}

function unsignedLeb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

function signedLeb(value) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) {
      out.push(byte);
      return Buffer.from(out);
    }
    out.push(byte | 0x80);
  }
}

/** The module's sections: id, where the section starts, its body, where it ends. */
function sections(bytes) {
  const found = [];
  const at = reader(bytes, 8);
  while (at.offset < bytes.length) {
    const start = at.offset;
    const id = at.byte();
    const size = at.unsigned();
    found.push({ id, start, body: at.offset, end: at.offset + size });
    at.offset += size;
  }
  return found;
}

/**
 * The module's data segments: `address` is set for an active segment at a
 * constant i32 address (what the linker emits here), null for any other.
 */
export function dataSegments(bytes) {
  const section = sections(bytes).find((s) => s.id === DATA);
  if (!section) return [];
  const at = reader(bytes, section.body);
  const segments = [];
  for (let count = at.unsigned(); count > 0; count--) {
    const flags = at.unsigned();
    const memory = flags === 2 ? at.unsigned() : 0;
    let address = null;
    if (flags !== 1) { // active: a constant offset expression (i32.const, i64.const or global.get, then end)
      const opcode = at.byte();
      if (![I32_CONST, 0x42, 0x23].includes(opcode)) fail(`unexpected data segment offset (opcode ${opcode})`);
      const value = opcode === I32_CONST ? at.signed32() >>> 0 : at.unsigned();
      if (at.byte() !== END) fail('unexpected data segment offset expression');
      if (opcode === I32_CONST && memory === 0) address = value;
    }
    const length = at.unsigned();
    segments.push({ address, bytes: bytes.subarray(at.offset, at.offset + length) });
    at.offset += length;
  }
  return segments;
}

/** Bytes of constants a module's data segments hold (0 without any). */
export function dataBytes(bytes) {
  return dataSegments(bytes).reduce((sum, segment) => sum + segment.bytes.length, 0);
}

/**
 * The module with neighbouring data segments merged where they touch or,
 * with `fillGap` bytes to spare, where the gap between them may be
 * zero-filled; unchanged when any segment is not active at a constant
 * address or two overlap (nothing here emits those: which write wins would
 * then depend on their order).
 */
export function mergeDataSegments(bytes, fillGap) {
  const segments = dataSegments(bytes);
  if (segments.length < 2 || segments.some((segment) => segment.address === null)) return bytes;
  const sorted = [...segments].sort((a, b) => a.address - b.address);
  if (sorted.some((segment, i) => i > 0 && segment.address < sorted[i - 1].address + sorted[i - 1].bytes.length)) return bytes;
  const merged = [];
  for (const segment of sorted) {
    const last = merged[merged.length - 1];
    if (last && segment.address - (last.address + last.length) <= fillGap) {
      const lastEnd = last.address + last.length;
      if (segment.address > lastEnd) last.parts.push(Buffer.alloc(segment.address - lastEnd));
      last.parts.push(segment.bytes);
      last.length = segment.address + segment.bytes.length - last.address;
    } else {
      merged.push({ address: segment.address, length: segment.bytes.length, parts: [segment.bytes] });
    }
  }
  const body = [unsignedLeb(merged.length)];
  for (const { address, length, parts } of merged) {
    body.push(Buffer.from([0, I32_CONST]), signedLeb(address | 0), Buffer.from([END]), unsignedLeb(length), ...parts);
  }
  const out = [];
  let copied = 0;
  for (const section of sections(bytes)) {
    if (section.id !== DATA && section.id !== DATA_COUNT) continue;
    const content = section.id === DATA ? Buffer.concat(body) : unsignedLeb(merged.length);
    out.push(bytes.subarray(copied, section.start), Buffer.from([section.id]), unsignedLeb(content.length), content);
    copied = section.end;
  }
  out.push(bytes.subarray(copied));
  return Buffer.concat(out);
}
