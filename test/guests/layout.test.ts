// Every committed guest is accepted by guestdbg's own PVH loader (src/machine/boot/loader.ts) and has the layout
// guests/guest.ld promises: PVH entry = _start, loaded at or above 1 MiB, below the 1 GiB identity map, with
// the symbols other layers rely on (main; the debugger demo's labels in demo.elf).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkPvhElf } from '../../src/machine/boot/loader.js';
import { listGuests } from './guest-catalog.js';

const MIB = 1024 * 1024;
const IMAGE_BASE = 1 * MIB; // guest.ld: . = 0x100000
const IDENTITY_MAP_END = 1024 * MIB; // lib/pvh.S maps [0, 1 GiB)
const RAM_SIZE = 64 * MIB;

// Labels promised by the header of guests/demo.S (the debugger demo and its tests use them).
const DEMO_SYMBOLS = ['demo_loop', 'demo_store', 'demo_store_done', 'demo_func', 'counter'];
// Library symbols documented in guests/lib/pvh.inc and guests/README.md.
const LIBRARY_SYMBOLS = ['_start', 'main', 'putc', 'puts', 'put_hex64', 'put_dec', 'exit_guest', 'pvh_start_info'];

for (const g of listGuests()) {
  test(`${g.name}.elf: PVH layout and symbols`, () => {
    const image = checkPvhElf(readFileSync(g.elf), g.elf, RAM_SIZE);
    for (const name of LIBRARY_SYMBOLS) {
      assert.ok(image.symbols.has(name), `${g.name}: symbol ${name} missing`);
    }
    assert.equal(BigInt(image.entry), image.symbols.get('_start'), `${g.name}: the PVH note must point at _start`);
    for (const seg of image.segments) {
      assert.ok(seg.paddr >= IMAGE_BASE, `${g.name}: segment at 0x${seg.paddr.toString(16)} below 1 MiB`);
    }
    assert.ok(image.end <= IDENTITY_MAP_END, `${g.name}: image ends above the 1 GiB identity map`);
  });
}

test('demo.elf has the labels the debugger demo uses', () => {
  const demo = listGuests().find((g) => g.name === 'demo');
  assert.ok(demo !== undefined, 'guests/demo.elf is missing: run npm run build:guests');
  const { symbols } = checkPvhElf(readFileSync(demo.elf), demo.elf, RAM_SIZE);
  for (const name of DEMO_SYMBOLS) assert.ok(symbols.has(name), `demo.elf: symbol ${name} missing`);
  // The watchpoint on counter is reported after the store: demo_store_done follows demo_store directly.
  const store = symbols.get('demo_store')!;
  const done = symbols.get('demo_store_done')!;
  assert.ok(done > store && done - store <= 15n, 'demo_store_done must be the instruction after demo_store');
});
