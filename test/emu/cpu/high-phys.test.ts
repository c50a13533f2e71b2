// Physical addresses with bit 31 set and above 4 GiB through the CPU (interpreted and compiled: the suite also
// runs with GUESTDBG_EMU_JIT=1 and =off): page tables, code, stack and data in RAM above 2 GiB, RAM regions
// and MMIO in every band up to MAXPHYADDR, and KVM_TRANSLATE / GuestMemory (gdb's path) over those tables.
// A 4-level entry's frame is bits MAXPHYADDR-1:12 (SDM vol. 3 table 4-19); an access to an address no RAM
// region holds is KVM_EXIT_MMIO at exactly that address (KVM api.rst, KVM_EXIT_MMIO).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitReason } from '../../../src/index.js';
import { GuestMemory } from '../../../src/machine/guest-memory.js';
import { MAXPHYADDR } from '../../../src/x86/paging.js';
import { assemble, type Guest, hex, longModeGuest } from '../emu-harness.js';

interface Mmio {
  gpa: bigint;
  write: boolean;
  data: string;
}

/** Runs to HLT answering MMIO reads with all ones (an unbacked bus); returns the MMIO exits in order. */
function runCollectingMmio(g: Guest, maxExits = 10_000): Mmio[] {
  const seen: Mmio[] = [];
  for (let i = 0; i < maxExits; i++) {
    const exit = g.vcpu.run();
    if (exit.reason === ExitReason.Hlt) return seen;
    assert.equal(exit.reason, ExitReason.Mmio, `unexpected exit ${exit.reason}`);
    if (!exit.mmio.isWrite) exit.mmio.data.fill(0xff);
    seen.push({ gpa: exit.mmio.physAddr, write: exit.mmio.isWrite, data: Buffer.from(exit.mmio.data).toString('hex') });
  }
  assert.fail(`no HLT after ${maxExits} exits`);
}

const MIB = 1 << 20;
const PRESENT_RW = 3n;

describe('physical addresses in every band', () => {
  it('4-level tables and frames in RAM regions at 2 GiB, 4 GiB and near MAXPHYADDR; MMIO at its own address', () => {
    const ITER = 40;
    const g = longModeGuest(
      assemble(`
        mov $${ITER}, %r8d
        mov $0x40000000, %rbx
      1:
        movl $0xa1a1a1a1, (%rbx)
        movl $0xb2b2b2b2, 0x1000(%rbx)
        movl $0xc3c3c3c3, 0x2000(%rbx)
        mov 0x3030(%rbx), %eax
        movl $0xd4d4d4d4, 0x4ffc(%rbx)
        mov (%rbx), %ecx
        mov 0x1000(%rbx), %edx
        mov 0x4ffc(%rbx), %esi
        mov 0x2000(%rbx), %edi
        dec %r8d
        jnz 1b
        hlt
      `),
    );
    const at2g = 0x8000_0000;
    const at4g = 0x1_0000_0000;
    const atTop = 2 ** MAXPHYADDR - MIB;
    const region = (gpa: number): DataView => {
      const b = g.vm.addMemory({ guestPhysAddr: BigInt(gpa), size: MIB });
      return new DataView(b.buffer, b.byteOffset, b.byteLength);
    };
    const [r2g, r4g, rTop] = [region(at2g), region(at4g), region(atTop)];
    // Linear 1 GiB: PDPT[1] -> PD at 4 GiB + 64 KiB -> PT at 2 GiB + 64 KiB.
    g.view.setBigUint64(0x2000 + 8, BigInt(at4g + 0x10000) | PRESENT_RW, true);
    r4g.setBigUint64(0x10000, BigInt(at2g + 0x10000) | PRESENT_RW, true);
    const frames = [at2g + 0x2000, at4g + 0x3000, 0x1_8000_2000, 0xfee0_0000, atTop + MIB - 0x1000];
    frames.forEach((f, i) => {
      r2g.setBigUint64(0x10000 + i * 8, BigInt(f) | PRESENT_RW, true);
    });
    const mmio = runCollectingMmio(g);
    const r = g.vcpu.getRegs();
    assert.equal(hex(r.rcx), '0xa1a1a1a1', 'RAM at 2 GiB + 8 KiB (a write to 6 GiB + 8 KiB must not land here)');
    assert.equal(hex(r.rdx), '0xb2b2b2b2', 'RAM at 4 GiB');
    assert.equal(hex(r.rsi), '0xd4d4d4d4', 'RAM at the top of the 40-bit space');
    assert.equal(hex(r.rax), '0xffffffff', 'the local APIC page is not RAM here: its read is an MMIO exit');
    assert.equal(hex(r.rdi), '0xffffffff');
    assert.equal(r2g.getUint32(0x2000, true), 0xa1a1a1a1);
    assert.equal(r4g.getUint32(0x3000, true), 0xb2b2b2b2);
    assert.equal(rTop.getUint32(MIB - 4, true), 0xd4d4d4d4);
    const once = [
      { gpa: 0x1_8000_2000n, write: true, data: 'c3c3c3c3' },
      { gpa: 0xfee0_0030n, write: false, data: 'ffffffff' },
      { gpa: 0x1_8000_2000n, write: false, data: 'ffffffff' },
    ];
    assert.deepEqual(mmio, Array.from({ length: ITER }, () => once).flat());
    // The accessed and dirty bits were written back to the PTEs at 2 GiB.
    assert.equal(r2g.getUint32(0x10000, true) & 0x60, 0x60);
  });

  it('RAM above 2 GiB at guest-physical 0 (--memory 3G): tables, code, stack and data there', () => {
    const src = `
      mov $200, %ecx
      mov $0xbffffff0, %rbx
      xor %eax, %eax
    1:
      add %ecx, %eax
      push %rax
      pop %rdx
      mov %edx, (%rbx)
      mov (%rbx), %esi
      dec %ecx
      jnz 1b
      hlt
    `;
    const codeAt = 0xb000_0000;
    const code = assemble(src, 64, codeAt);
    const g = longModeGuest(code, 3 * 2 ** 30);
    g.ram.set(code, codeAt);
    // CR3 at 2.5 GiB: PML4 -> PDPT of four identity 1 GiB pages (0-4 GiB).
    const pml4 = 0xa000_0000;
    g.view.setBigUint64(pml4, BigInt(pml4 + 0x1000) | PRESENT_RW, true);
    for (let i = 0; i < 4; i++) g.view.setBigUint64(pml4 + 0x1000 + i * 8, (BigInt(i) << 30n) | 0x83n, true);
    g.vcpu.setSregs({ ...g.vcpu.getSregs(), cr3: BigInt(pml4) });
    g.vcpu.setRegs({ ...g.vcpu.getRegs(), rip: BigInt(codeAt), rsp: 0xb800_0000n });
    assert.deepEqual(runCollectingMmio(g), []);
    const r = g.vcpu.getRegs();
    assert.equal(r.rax, BigInt((200 * 201) / 2));
    assert.equal(r.rsi, r.rax);
    assert.equal(g.view.getUint32(0xbfff_fff0, true), (200 * 201) / 2);
    assert.equal(r.rip, BigInt(codeAt + code.length), 'halted at the end of the code at 2.75 GiB');
    // gdb's view: KVM_TRANSLATE walks the same tables.
    const mem = new GuestMemory(g.vm);
    assert.equal(mem.translate(g.vcpu, 0xbfff_fff0n), 0xbfff_fff0n);
    assert.deepEqual(mem.read(g.vcpu, BigInt(codeAt), 16), g.ram.slice(codeAt, codeAt + 16));
  });
});
