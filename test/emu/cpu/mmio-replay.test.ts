// Instructions with many reads of non-RAM (each a KVM_EXIT_MMIO, after which the instruction runs again with
// the answers so far) complete or fault, with one exit per access: FXRSTOR across the end of RAM, an IDT in
// non-RAM with INT3 (a fault chain up to a triple fault: "if a second exception occurs while the processor is
// attempting to call the handler for a #DF, the processor enters shutdown mode", SDM vol. 3 §6.15), IRETQ
// whose frame crosses into non-RAM, and a long REP LODS from MMIO. The VMM answers every read with all ones,
// as guestdbg's machine does for addresses no device backs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exit, ExitReason } from '../../../src/index.js';
import { assemble, type Guest, haltedVector, hex, longModeGuest, RAM_SIZE } from '../emu-harness.js';

/** Runs until an exit other than MMIO, answering MMIO reads with all ones; at most `maxExits` MMIO exits. */
function runPastMmio(g: Guest, maxExits: number): { exit: Exit; reads: bigint[] } {
  const reads: bigint[] = [];
  for (let i = 0; i <= maxExits; i++) {
    const exit = g.vcpu.run();
    if (exit.reason !== ExitReason.Mmio) return { exit, reads };
    if (!exit.mmio.isWrite) {
      exit.mmio.data.fill(0xff);
      reads.push(exit.mmio.physAddr);
    }
  }
  assert.fail(`still exiting for MMIO after ${maxExits} exits: the instruction never completes`);
}

/** Each non-RAM address was asked for once: no access was repeated by a re-run of its instruction. */
function assertEachOnce(reads: bigint[]): void {
  assert.equal(new Set(reads).size, reads.length, `repeated MMIO reads: ${reads.map(hex).join(' ')}`);
}

describe('instructions with many MMIO reads', () => {
  it('FXRSTOR with its 512-byte image across the end of RAM completes', () => {
    const area = RAM_SIZE - 256; // bytes 0-255 in RAM (x87, MXCSR, XMM0-5), 256-511 past its end (XMM6-15)
    const g = longModeGuest(
      assemble(`
        mov $${area}, %rbx
        fxrstor (%rbx)
        movq %xmm15, %rax
        movq %xmm5, %rcx
        hlt
      `),
    );
    g.view.setUint16(area, 0x37f, true); // FCW
    g.view.setUint32(area + 24, 0x1f80, true); // MXCSR
    g.view.setBigUint64(area + 160 + 5 * 16, 0x0102030405060708n, true); // XMM5
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({ ...s, cr4: s.cr4 | 0x600n }); // CR4.OSFXSR | OSXMMEXCPT
    const { exit, reads } = runPastMmio(g, 1000);
    assert.equal(exit.reason, ExitReason.Hlt);
    assert.equal(haltedVector(g), -1, 'no exception');
    const r = g.vcpu.getRegs();
    assert.equal(hex(r.rcx), '0x102030405060708', 'XMM5 from RAM');
    assert.equal(hex(r.rax), '0xffffffffffffffff', 'XMM15 from past the end of RAM (all ones)');
    assert.ok(reads.length > 8, `${reads.length} MMIO reads`);
    assert.ok(reads.every((a) => a >= BigInt(RAM_SIZE) && a < BigInt(area + 512)));
    assertEachOnce(reads);
  });

  it('INT3 with the IDT in non-RAM ends in a triple fault', () => {
    const g = longModeGuest(assemble('int3\nhlt'));
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({ ...s, idt: { base: 0x3000_0000n, limit: 0xfff } }); // identity-mapped, not RAM
    const { exit, reads } = runPastMmio(g, 1000);
    assert.equal(exit.reason, ExitReason.Shutdown);
    // The gates of #BP, then #GP (the all-ones gate's selector is outside the GDT), then #DF.
    const gates = new Set(reads.map((a) => Number((a - 0x3000_0000n) / 16n)));
    assert.deepEqual(
      [...gates].sort((a, b) => a - b),
      [3, 8, 13],
    );
    assertEachOnce(reads);
  });

  it('IRETQ with its frame crossing into non-RAM reads it and faults on the all-ones CS', () => {
    const g = longModeGuest(assemble('iretq'));
    // A misaligned frame: RIP's low 3 bytes in RAM, its other 5 read one by one (a page-crossing access), then
    // CS, RFLAGS, RSP and SS: 9 MMIO reads.
    const rsp = RAM_SIZE - 3;
    g.ram.set([0x45, 0x23, 0x01], rsp);
    g.vcpu.setRegs({ ...g.vcpu.getRegs(), rsp: BigInt(rsp) });
    const { exit, reads } = runPastMmio(g, 1000);
    assert.equal(exit.reason, ExitReason.Hlt);
    // The all-ones CS selector 0xffff indexes past the GDT: "#GP(selector) if the return code segment selector
    // ... is outside the descriptor table limit" (SDM vol. 2, IRET).
    assert.equal(haltedVector(g), 13);
    const top = Number(g.vcpu.getRegs().rsp);
    assert.equal(hex(g.view.getBigUint64(top, true)), '0xfffc', 'error code: the CS selector');
    assert.ok(reads.every((a) => a >= BigInt(RAM_SIZE) && a < BigInt(RAM_SIZE + 37)));
    assert.ok(reads.length > 8, `${reads.length} MMIO reads`);
    assertEachOnce(reads);
  });

  it('REP LODSQ over 1000 quadwords of MMIO makes one exit per element', () => {
    const g = longModeGuest(
      assemble(`
        mov $0x30000000, %rsi
        mov $1000, %ecx
        rep lodsq
        hlt
      `),
    );
    const { exit, reads } = runPastMmio(g, 2000);
    assert.equal(exit.reason, ExitReason.Hlt);
    assert.equal(reads.length, 1000);
    assertEachOnce(reads);
    assert.equal(g.vcpu.getRegs().rsi, 0x30000000n + 8000n);
  });
});
