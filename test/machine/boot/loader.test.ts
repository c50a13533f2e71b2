import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GuestImageError } from '../../../src/abi/index.js';
import { checkPvhElf, loadPvhElf } from '../../../src/machine/boot/loader.js';
import { buildElf } from './elf-builder.js';

const MIB = 1 << 20;
const code = Uint8Array.of(0xf4, 0x90, 0x90, 0x90);

function rejects(image: Uint8Array, pattern: RegExp, ramBytes = 4 * MIB): void {
  const ram = new Uint8Array(ramBytes);
  assert.throws(
    () => loadPvhElf(image, 'img.elf', ram),
    (err: unknown) => err instanceof GuestImageError && err.path === 'img.elf' && pattern.test(err.reason),
  );
  assert.ok(
    ram.every((b) => b === 0),
    'a rejected image leaves RAM untouched',
  );
}

describe('loadPvhElf', () => {
  it('loads a 32-bit PVH ELF: bytes at paddr, bss zeroed, entry from the Xen note (not e_entry)', () => {
    const ram = new Uint8Array(4 * MIB).fill(0xaa);
    const img = buildElf({ cls: 32, segments: [{ paddr: 0x100000, data: code, memsz: 16 }], pvhEntry: 0x100001 });
    const loaded = loadPvhElf(img, 'a.elf', ram);
    assert.equal(loaded.entry, 0x100001);
    assert.deepEqual(loaded.segments, [{ paddr: 0x100000, filesz: 4, memsz: 16 }]);
    assert.equal(loaded.end, 0x100010);
    assert.deepEqual([...ram.subarray(0x100000, 0x100004)], [...code]);
    assert.ok(ram.subarray(0x100004, 0x100010).every((b) => b === 0));
    assert.equal(ram[0x100010], 0xaa, 'nothing written past memsz');
  });

  it('accepts ELFCLASS64 with an 8-byte note (as Linux emits)', () => {
    const ram = new Uint8Array(4 * MIB);
    const img = buildElf({ cls: 64, segments: [{ paddr: 0x200000, data: code }], pvhEntry: 0x200000, pvhDescBytes: 8 });
    assert.equal(loadPvhElf(img, 'b.elf', ram).entry, 0x200000);
  });

  it('loads guests/demo.elf and finds its symbols', () => {
    const ram = new Uint8Array(64 * MIB);
    const loaded = loadPvhElf(readFileSync('guests/demo.elf'), 'guests/demo.elf', ram);
    assert.ok(loaded.entry >= 0x100000);
    for (const name of ['demo_loop', 'counter', 'demo_func']) assert.ok(loaded.symbols.has(name), name);
    const loop = Number(loaded.symbols.get('demo_loop'));
    assert.ok(loaded.segments.some((s) => loop >= s.paddr && loop < s.paddr + s.memsz));
  });

  it('rejects a text file, saying it is text', () => {
    rejects(new TextEncoder().encode('hello, I am not a kernel\n'), /^a text file, not an ELF/);
  });

  it('rejects binary junk and an empty file', () => {
    rejects(Uint8Array.of(0, 1, 2, 3, 0xff), /^not an ELF file/);
    rejects(new Uint8Array(0), /^an empty file/);
  });

  it('rejects an ELF without a PVH note, naming the fix', () => {
    rejects(
      buildElf({ cls: 32, segments: [{ paddr: 0x100000, data: code }] }),
      /not a PVH image: no XEN_ELFNOTE_PHYS32_ENTRY note; build with a PVH note \(see guests\/lib\/pvh.S\)/,
    );
  });

  it('rejects a foreign machine', () => {
    rejects(
      buildElf({ cls: 64, machine: 183, segments: [{ paddr: 0x100000, data: code }], pvhEntry: 0x100000 }),
      /machine 183, not x86/,
    );
  });

  it('rejects an ELF without PT_LOAD', () => {
    rejects(buildElf({ cls: 64, segments: [], pvhEntry: 0x100000 }), /no PT_LOAD/);
  });

  it('rejects a segment beyond RAM, saying how much memory to ask for', () => {
    const img = buildElf({ cls: 32, segments: [{ paddr: 0x100000, data: code, memsz: 5 * MIB }], pvhEntry: 0x100000 });
    rejects(img, /needs 6 MiB of RAM at 0x0; run with --memory 6M or more/);
    assert.equal(checkPvhElf(img, 'x', 8 * MIB).end, 0x100000 + 5 * MIB);
  });

  it('rejects filesz > memsz and data outside the file', () => {
    rejects(
      buildElf({ cls: 64, segments: [{ paddr: 0x100000, data: code, memsz: 2 }], pvhEntry: 0x100000 }),
      /filesz 4 > memsz 2/,
    );
    rejects(
      buildElf({ cls: 64, segments: [{ paddr: 0x100000, data: code, filesz: 4096, memsz: 8192 }], pvhEntry: 0x100000 }),
      /outside the file/,
    );
  });

  it('rejects a segment over the boot data in low memory', () => {
    rejects(
      buildElf({ cls: 32, segments: [{ paddr: 0x7000, data: code }], pvhEntry: 0x7000 }),
      /overlaps the boot data/,
    );
  });

  it('rejects a truncated header as a malformed ELF', () => {
    const img = buildElf({ cls: 64, segments: [{ paddr: 0x100000, data: code }], pvhEntry: 0x100000 });
    rejects(img.subarray(0, 70), /^malformed ELF: .*truncated ELF/);
  });
});
