import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CMDLINE_ADDR, MEMMAP_ADDR, START_INFO_ADDR } from '../../../src/machine/boot/low-memory.js';
import { BootSelector, pvhEntryState, writeBootGdt } from '../../../src/machine/boot/pvh-entry.js';
import { CmdlineTooLongError, E820, HVM_START_MAGIC, writeStartInfo } from '../../../src/machine/boot/start-info.js';

const MIB = 1 << 20;

describe('hvm_start_info', () => {
  it('has the Xen layout: magic, version 1, cmdline, memmap with RAM / reserved / RAM', () => {
    const ram = new Uint8Array(64 * MIB);
    const at = writeStartInfo(ram, 64 * MIB, 'console=ttyS0');
    assert.equal(at, START_INFO_ADDR);
    const si = new DataView(ram.buffer, at, 56);
    assert.equal(si.getUint32(0, true), HVM_START_MAGIC);
    assert.equal(si.getUint32(4, true), 1);
    assert.equal(si.getUint32(12, true), 0, 'no modules');
    assert.equal(si.getBigUint64(24, true), BigInt(CMDLINE_ADDR));
    assert.equal(si.getBigUint64(32, true), 0n, 'no RSDP');
    assert.equal(si.getBigUint64(40, true), BigInt(MEMMAP_ADDR));
    assert.equal(si.getUint32(48, true), 3);
    const cmd = ram.subarray(CMDLINE_ADDR, CMDLINE_ADDR + 14);
    assert.equal(new TextDecoder().decode(cmd), 'console=ttyS0\0');
    const mm = new DataView(ram.buffer, MEMMAP_ADDR, 3 * 24);
    const entry = (i: number) => [
      mm.getBigUint64(i * 24, true),
      mm.getBigUint64(i * 24 + 8, true),
      mm.getUint32(i * 24 + 16, true),
    ];
    assert.deepEqual(entry(0), [0n, 0x9fc00n, E820.Ram]);
    assert.deepEqual(entry(1), [0x9fc00n, 0x100000n - 0x9fc00n, E820.Reserved]);
    assert.deepEqual(entry(2), [0x100000n, BigInt(63 * MIB), E820.Ram]);
  });

  it('refuses a command line longer than 2047 bytes', () => {
    assert.throws(() => writeStartInfo(new Uint8Array(4 * MIB), 4 * MIB, 'x'.repeat(2048)), CmdlineTooLongError);
  });
});

describe('PVH entry state', () => {
  it('is 32-bit protected mode, paging off, flat segments, ebx = start_info, eip = entry', () => {
    const { regs, sregs } = pvhEntryState(0x100020, START_INFO_ADDR);
    assert.equal(regs.rip, 0x100020n);
    assert.equal(regs.rbx, BigInt(START_INFO_ADDR));
    assert.equal(regs.rflags, 2n);
    for (const r of ['rax', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp', 'r8', 'r15'] as const)
      assert.equal(regs[r], 0n, r);
    assert.equal(sregs.cr0, 0x11n);
    assert.equal(sregs.cr4, 0n);
    assert.equal(sregs.efer, 0n);
    assert.deepEqual(
      [sregs.cs!.type, sregs.cs!.db, sregs.cs!.l, sregs.cs!.base, sregs.cs!.limit, sregs.cs!.selector],
      [0xb, 1, 0, 0n, 0xffffffff, BootSelector.Code32],
    );
    for (const seg of [sregs.ds!, sregs.es!, sregs.fs!, sregs.gs!, sregs.ss!]) {
      assert.deepEqual([seg.type, seg.db, seg.base, seg.limit, seg.present, seg.s], [3, 1, 0n, 0xffffffff, 1, 1]);
    }
    assert.deepEqual([sregs.tr!.type, sregs.tr!.s, sregs.tr!.present], [0xb, 0, 1]);
  });

  it('writes a GDT whose descriptors match the hidden segment state', () => {
    const ram = new Uint8Array(MIB);
    writeBootGdt(ram);
    const { sregs } = pvhEntryState(0, 0);
    const gdt = new DataView(ram.buffer, Number(sregs.gdt!.base), sregs.gdt!.limit + 1);
    const access = (sel: number) => gdt.getUint8(sel + 5);
    assert.equal(access(BootSelector.Code32) & 0xf, sregs.cs!.type);
    assert.equal(access(BootSelector.Data) & 0xf, sregs.ds!.type);
    assert.equal(access(BootSelector.Tss) & 0xf, sregs.tr!.type);
    assert.equal(gdt.getUint16(BootSelector.Tss, true), sregs.tr!.limit);
  });
});
