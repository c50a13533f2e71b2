// Mode transitions as boot code does them: real mode -> 32-bit protected mode (LGDT, CR0.PE, far JMP) ->
// IA-32e (CR4.PAE, CR3, EFER.LME, CR0.PG sets EFER.LMA, far JMP to a 64-bit code segment), and
// 16-bit protected mode code segments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Segment } from '../../../src/index.js';
import { assemble, CODE, GDT, longModeGuest, realSeg, runToHlt, zeroRegs } from '../emu-harness.js';

describe('mode transitions', () => {
  it('real mode -> protected mode -> long mode, as a boot loader does it', () => {
    const code = assemble(
      `
      cli
      lgdtl gdtr - ${CODE}
      mov %cr0, %eax
      or $1, %eax
      mov %eax, %cr0
      ljmpl $0x18, $pm32
    .code32
    pm32:
      mov $0x10, %ax
      mov %ax, %ds
      mov %ax, %ss
      mov $0x70000, %esp
      push $0x11
      pop %ebx
      mov %cr4, %eax
      or $0x20, %eax
      mov %eax, %cr4
      mov $0x1000, %eax
      mov %eax, %cr3
      mov $0xc0000080, %ecx
      rdmsr
      or $0x100, %eax
      wrmsr
      mov %cr0, %eax
      or $0x80000000, %eax
      mov %eax, %cr0
      ljmp $0x08, $lm64
    .code64
    lm64:
      movabs $0x1122334455667788, %rax
      push %rax
      pop %rdx
      hlt
    gdtr:
      .word 0x3f
      .long ${GDT}
    `,
      16,
    );
    const g = longModeGuest(code);
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({
      ...s,
      cs: realSeg(CODE >> 4, 0xb),
      ds: realSeg(CODE >> 4, 3),
      es: realSeg(CODE >> 4, 3),
      ss: realSeg(CODE >> 4, 3),
      fs: realSeg(0, 3),
      gs: realSeg(0, 3),
      cr0: 0x10n,
      cr3: 0n,
      cr4: 0n,
      efer: 0n,
    });
    const r = zeroRegs();
    r.rsp = 0xfff0n;
    g.vcpu.setRegs(r);
    runToHlt(g);
    const after = g.vcpu.getRegs();
    const sr = g.vcpu.getSregs();
    assert.equal(after.rdx, 0x1122334455667788n);
    assert.equal(after.rbx, 0x11n);
    assert.equal(sr.efer & 0x400n, 0x400n, 'EFER.LMA set by CR0.PG with LME');
    assert.equal(sr.cs.l, 1);
    assert.equal(sr.cs.selector, 0x08);
  });

  it('enabling paging with EFER.LME but without CR4.PAE is #GP (here: a triple fault without an IDT)', () => {
    const g = longModeGuest(assemble('mov %cr0, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n hlt', 32));
    const s = g.vcpu.getSregs();
    const flat32: Segment = { ...s.cs, l: 0, db: 1, selector: 0x18 };
    g.vcpu.setSregs({ ...s, cs: flat32, cr0: 0x11n, cr4: 0n, efer: 0x100n, idt: { base: 0n, limit: 0 } });
    assert.equal(g.vcpu.run().reason, 8);
  });

  it('a 16-bit protected-mode code segment runs with 16-bit operands and IP', () => {
    const g = longModeGuest(assemble('mov $0x12345678, %eax\n mov $0xffff, %bx\n inc %bx\n hlt', 16));
    const s = g.vcpu.getSregs();
    // A 16-bit code segment based at CODE (so IP starts at 0), 16-bit data segments, paging off.
    const cs16: Segment = { ...s.cs, base: BigInt(CODE), limit: 0xffff, l: 0, db: 0, g: 0, selector: 0x18 };
    g.vcpu.setSregs({ ...s, cs: cs16, cr0: 0x11n, cr4: 0n, efer: 0n });
    const r = zeroRegs();
    r.rbx = 0xaaaa0000n;
    g.vcpu.setRegs(r);
    runToHlt(g);
    const after = g.vcpu.getRegs();
    assert.equal(after.rax, 0x12345678n, 'the 66 prefix selects 32-bit operands in a 16-bit segment');
    assert.equal(after.rbx, 0xaaaa0000n, 'a 16-bit inc wraps without touching bits 16-31');
    assert.equal(after.rip, 11n, 'IP is an offset in the 16-bit segment');
  });
});
