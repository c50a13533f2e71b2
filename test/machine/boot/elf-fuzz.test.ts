// Bounded fuzz of the image loader (issue 12): ELFs from elf-builder with every header, program header,
// section header, note and symbol field set to edge values, random bytes flipped and the file cut short.
// Each one loads or is refused with a one-line GuestImageError, quickly, and memory stays bounded.
// GUESTDBG_FUZZ_LONG=1 runs 200,000 inputs instead of 4,000 and prints the figures.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GuestImageError } from '../../../src/abi/index.js';
import { MAX_SYMBOL_NAME, ShType } from '../../../src/machine/boot/elf.js';
import { loadPvhElf } from '../../../src/machine/boot/loader.js';
import { prng } from '../../../support/decode-oracle.js';
import { buildElf, symtab } from './elf-builder.js';

const LONG = process.env.GUESTDBG_FUZZ_LONG === '1';
const INPUTS = LONG ? 200_000 : 4_000;
const RAM = 16 << 20;
const LOAD = 0x100000;
/** Slowest acceptable input (a full 16 MiB load takes a few ms; the crafted string table took 43 s). */
const MAX_INPUT_MS = 1_000;
/** Heap growth allowed over the whole run: the inputs are ~1 KiB, the RAM buffer is reused. */
const MAX_GROWTH = 128 << 20;

type Field = { at: number; width: 1 | 2 | 4 | 8 };

/** Field offsets (gABI "ELF Header", "Program Header", "Sections", Figure "Symbol Table Entry") per class. */
const LAYOUT = {
  64: {
    header: [
      [4, 1],
      [5, 1],
      [6, 1],
      [16, 2],
      [18, 2],
      [20, 4],
      [24, 8],
      [32, 8],
      [40, 8],
      [48, 4],
      [52, 2],
      [54, 2],
      [56, 2],
      [58, 2],
      [60, 2],
      [62, 2],
    ],
    phdr: {
      size: 56,
      fields: [
        [0, 4],
        [4, 4],
        [8, 8],
        [16, 8],
        [24, 8],
        [32, 8],
        [40, 8],
        [48, 8],
      ],
      off: [32, 8],
      num: [56, 2],
    },
    shdr: {
      size: 64,
      fields: [
        [0, 4],
        [4, 4],
        [8, 8],
        [16, 8],
        [24, 8],
        [32, 8],
        [40, 4],
        [44, 4],
        [48, 8],
        [56, 8],
      ],
      off: [40, 8],
      num: [60, 2],
    },
    sym: {
      size: 24,
      fields: [
        [0, 4],
        [4, 1],
        [5, 1],
        [6, 2],
        [8, 8],
        [16, 8],
      ],
    },
  },
  32: {
    header: [
      [4, 1],
      [5, 1],
      [6, 1],
      [16, 2],
      [18, 2],
      [20, 4],
      [24, 4],
      [28, 4],
      [32, 4],
      [36, 4],
      [40, 2],
      [42, 2],
      [44, 2],
      [46, 2],
      [48, 2],
      [50, 2],
    ],
    phdr: {
      size: 32,
      fields: [
        [0, 4],
        [4, 4],
        [8, 4],
        [12, 4],
        [16, 4],
        [20, 4],
        [24, 4],
        [28, 4],
      ],
      off: [28, 4],
      num: [44, 2],
    },
    shdr: {
      size: 40,
      fields: [
        [0, 4],
        [4, 4],
        [8, 4],
        [12, 4],
        [16, 4],
        [20, 4],
        [24, 4],
        [28, 4],
        [32, 4],
        [36, 4],
      ],
      off: [32, 4],
      num: [48, 2],
    },
    sym: {
      size: 16,
      fields: [
        [0, 4],
        [4, 4],
        [8, 4],
        [12, 1],
        [13, 1],
        [14, 2],
      ],
    },
  },
} as const;

function read(v: DataView, at: number, width: number): number {
  if (width === 1) return v.getUint8(at);
  if (width === 2) return v.getUint16(at, true);
  if (width === 4) return v.getUint32(at, true);
  return Number(v.getBigUint64(at, true) & 0xffffffffn);
}

function base(cls: 32 | 64): { bytes: Uint8Array; fields: Field[] } {
  const names = new TextEncoder().encode('\0_start\0main\0counter\0');
  const bytes = buildElf({
    cls,
    segments: [
      { paddr: LOAD, data: Uint8Array.of(0xfa, 0xf4) },
      { paddr: LOAD + 0x1000, data: new Uint8Array(64).fill(0x90), memsz: 0x2000 },
    ],
    pvhEntry: LOAD,
    sections: [
      { type: ShType.Symtab, data: symtab(cls, [1, 8, 13, 0]), link: 2, entsize: LAYOUT[cls].sym.size },
      { type: 3, data: names },
      { type: ShType.Note, data: new Uint8Array(0) },
    ],
  });
  const v = new DataView(bytes.buffer);
  const L = LAYOUT[cls];
  const fields: Field[] = L.header.map(([at, width]) => ({ at, width }) as Field);
  const table = (t: {
    size: number;
    fields: readonly (readonly [number, number])[];
    off: readonly [number, number];
    num: readonly [number, number];
  }) => {
    const off = read(v, t.off[0], t.off[1]);
    const num = read(v, t.num[0], t.num[1]);
    for (let i = 0; i < num; i++)
      for (const [at, width] of t.fields) fields.push({ at: off + i * t.size + at, width } as Field);
    return { off, num };
  };
  const ph = table(L.phdr);
  table(L.shdr);
  // The note (first program header) and the symbols (section 1): every field of each.
  const noteOff = read(v, ph.off + (cls === 64 ? 8 : 4), cls === 64 ? 8 : 4);
  for (const at of [0, 4, 8, 12, 16]) fields.push({ at: noteOff + at, width: 4 });
  const symOff = read(
    v,
    read(v, L.shdr.off[0], L.shdr.off[1]) + L.shdr.size + (cls === 64 ? 24 : 16),
    cls === 64 ? 8 : 4,
  );
  for (let i = 0; i < 4; i++)
    for (const [at, width] of L.sym.fields) fields.push({ at: symOff + i * L.sym.size + at, width } as Field);
  return { bytes, fields: fields.filter((f) => f.at + f.width <= bytes.length) };
}

/** Values that break arithmetic: zero, one, all ones, sign bits, 32-bit wrap, the file size, RAM size. */
function edgeValue(next: () => number, width: number, len: number): bigint {
  const max = (1n << BigInt(width * 8)) - 1n;
  const pool = [
    0n,
    1n,
    2n,
    max,
    max - 1n,
    max >> 1n,
    (max >> 1n) + 1n,
    0xffffffffn,
    0x100000000n,
    0x7fffffffn,
    0x80000000n,
    BigInt(len),
    BigInt(len - 1),
    BigInt(len + 1),
    BigInt(RAM),
    BigInt(LOAD),
    1n << 53n,
    0xfffffff0n,
    BigInt(next()),
  ];
  return pool[next() % pool.length]! & max;
}

function write(v: DataView, f: Field, value: bigint): void {
  if (f.width === 1) v.setUint8(f.at, Number(value));
  else if (f.width === 2) v.setUint16(f.at, Number(value), true);
  else if (f.width === 4) v.setUint32(f.at, Number(value), true);
  else v.setBigUint64(f.at, value, true);
}

function mutate(next: () => number, b: { bytes: Uint8Array; fields: Field[] }): Uint8Array {
  let out = b.bytes.slice();
  const v = new DataView(out.buffer);
  const edits = 1 + (next() % 3);
  for (let e = 0; e < edits; e++) {
    const kind = next() % 8;
    if (kind < 5) {
      const f = b.fields[next() % b.fields.length]!;
      write(v, f, edgeValue(next, f.width, out.length));
    } else if (kind < 7) out[next() % out.length] = next() & 0xff;
    else out = out.subarray(0, next() % out.length);
  }
  return out;
}

it(`the loader survives ${INPUTS} mutated ELFs: loaded or refused in one line, fast, bounded memory`, (t) => {
  const images = [base(32), base(64)];
  const ram = new Uint8Array(RAM);
  const next = prng(0x5eed1e1f);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let loaded = 0;
  let refused = 0;
  let slowest = 0;
  for (let i = 0; i < INPUTS; i++) {
    const input = mutate(next, images[i % 2]!);
    const t0 = performance.now();
    try {
      const image = loadPvhElf(input, 'fuzz.elf', ram);
      for (const name of image.symbols.keys()) assert.ok(name.length <= MAX_SYMBOL_NAME);
      loaded++;
    } catch (e) {
      if (!(e instanceof GuestImageError)) {
        throw new Error(`input ${i} (${Buffer.from(input).toString('base64')}): ${(e as Error).stack}`);
      }
      assert.doesNotMatch(e.message, /\n/, `input ${i}: a rejection of more than one line`);
      refused++;
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < MAX_INPUT_MS, `input ${i} took ${ms.toFixed(0)} ms`);
    if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  t.diagnostic(
    `${INPUTS} inputs: ${loaded} loaded, ${refused} refused, 0 crashes, slowest ${slowest.toFixed(1)} ms, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
  assert.ok(peak - rss0 < MAX_GROWTH, `RSS grew by ${((peak - rss0) / 2 ** 20).toFixed(0)} MiB`);
});
