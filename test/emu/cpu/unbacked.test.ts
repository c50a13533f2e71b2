// Physical memory that no RAM region or device backs reads as all ones, as a PC's floating bus does (README,
// "Where guestdbg deliberately differs": QEMU's microvm reads 0 there). The machine answers such MMIO reads
// (src/machine/threads/run-to-end.ts handleExit), the emu CPU reads page-table entries and instruction bytes
// there itself; each consequence follows from the SDM's formats:
//   - data reads in every band up to MAXPHYADDR are 0xff...ff (none lands in RAM that shares its low 32 bits);
//   - an all-ones paging-structure entry has reserved bits set: #PF with P and RSVD (SDM vol. 3 §4.7);
//   - fetched 0xff 0xff is FF /7, undefined: #UD (SDM vol. 2 table A-6);
//   - a GDT there yields the all-ones descriptor (base 0xffffffff, 4 GiB limit, DPL 3, conforming readable
//     code), which DS accepts (SDM vol. 2 MOV: no privilege check for conforming code segments).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitReason } from '../../../src/index.js';
import { IoBus } from '../../../src/machine/devices/io-bus.js';
import { handleExit } from '../../../src/machine/threads/run-to-end.js';
import { PfErr } from '../../../src/x86/paging.js';
import { assemble, type Guest, haltedVector, hex, longModeGuest } from '../emu-harness.js';

/** Runs to HLT with the machine's own exit handling (MMIO reads of unbacked addresses). */
function runOnMachine(g: Guest): void {
  const bus = new IoBus();
  for (let i = 0; i < 1000; i++) {
    const exit = g.vcpu.run();
    if (exit.reason === ExitReason.Hlt) return;
    assert.equal(exit.reason, ExitReason.Mmio, `unexpected exit ${exit.reason}`);
    assert.equal(handleExit(g.vcpu, bus, exit), undefined);
  }
  assert.fail('no HLT');
}

const PRESENT_RW = 3n;
const ALL_ONES = '0xffffffffffffffff';

describe('unbacked physical memory reads as all ones', () => {
  it('data reads in every band, none aliasing RAM', () => {
    const g = longModeGuest(
      assemble(`
        mov $0x40000000, %rbx
        mov (%rbx), %r8
        mov 0x1000(%rbx), %r9
        mov 0x2000(%rbx), %r10
        mov 0x3000(%rbx), %r11
        mov 0x4ff8(%rbx), %r12
        hlt
      `),
    );
    // RAM at 2 GiB holding a pattern where a wrapped 6 GiB + 8 KiB would land.
    const high = g.vm.addMemory({ guestPhysAddr: 0x8000_0000n, size: 1 << 20 });
    high.fill(0x5a);
    // Linear 1 GiB: PDPT[1] -> PD at 0xa000 -> PT at 0xb000.
    g.view.setBigUint64(0x2008, 0xa000n | PRESENT_RW, true);
    g.view.setBigUint64(0xa000, 0xb000n | PRESENT_RW, true);
    const frames = [0x3000_0000n, 0xfee0_0000n, 0x1_2000_0000n, 0x1_8000_2000n, 0xff_ffff_f000n];
    frames.forEach((f, i) => {
      g.view.setBigUint64(0xb000 + i * 8, f | PRESENT_RW, true);
    });
    runOnMachine(g);
    const r = g.vcpu.getRegs();
    assert.deepEqual([r.r8, r.r9, r.r10, r.r11, r.r12].map(hex), Array(5).fill(ALL_ONES));
    assert.ok(
      high.every((b) => b === 0x5a),
      'RAM at 2 GiB untouched',
    );
  });

  it('a page directory there: #PF with P and RSVD', () => {
    const g = longModeGuest(assemble('mov 0x80000000, %eax\n hlt'));
    g.view.setBigUint64(0x2010, 0x3000_0000n | PRESENT_RW, true); // PDPT[2] -> PD in non-RAM
    runOnMachine(g);
    assert.equal(haltedVector(g), 14);
    const rsp = Number(g.vcpu.getRegs().rsp);
    assert.equal(g.view.getBigUint64(rsp, true), BigInt(PfErr.P | PfErr.RSVD));
  });

  it('instruction bytes there: 0xff 0xff is #UD', () => {
    const g = longModeGuest(assemble('mov $0x30000000, %eax\n jmp *%rax'));
    runOnMachine(g);
    assert.equal(haltedVector(g), 6);
    assert.equal(g.view.getBigUint64(Number(g.vcpu.getRegs().rsp), true), 0x3000_0000n, 'the #UD is at 0x30000000');
  });

  it('a GDT there: DS loads the all-ones descriptor', () => {
    const g = longModeGuest(assemble('mov $0x10, %ax\n mov %ax, %ds\n hlt'));
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({ ...s, gdt: { base: 0x3000_0000n, limit: 0xffff } });
    runOnMachine(g);
    assert.equal(haltedVector(g), -1, 'no exception');
    const ds = g.vcpu.getSregs().ds;
    assert.deepEqual(
      { ...ds, base: hex(ds.base) },
      {
        base: '0xffffffff',
        limit: 0xffffffff,
        selector: 0x10,
        type: 0xf,
        present: 1,
        dpl: 3,
        db: 1,
        s: 1,
        l: 1,
        g: 1,
        avl: 1,
        unusable: 0,
      },
    );
  });
});
