// Exception and interrupt delivery outside long mode: 32-bit protected mode through 8-byte IDT gates (same
// privilege: EFLAGS, CS, EIP [, error code]; from CPL 3: SS0:ESP0 from the 32-bit TSS and the outer SS:ESP
// pushed first), IRET back to CPL 3, and real mode through the IVT.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assemble,
  CODE,
  GDT,
  type Guest,
  HANDLERS,
  IDT,
  prot32Guest,
  realModeGuest,
  runToHlt,
  TSS,
} from '../emu-harness.js';

/** 32-bit interrupt gates (DPL 3) for every vector to an `hlt` stub; a DPL 3 code32 segment at 0x40 and a
 *  32-bit TSS at 0x48 with SS0:ESP0 = 0x10:0x60000. */
function setup32(g: Guest): void {
  const v = g.view;
  for (let i = 0; i < 256; i++) {
    const h = HANDLERS + i * 16;
    g.ram[h] = 0xf4;
    v.setUint16(IDT + i * 8, h & 0xffff, true);
    v.setUint16(IDT + i * 8 + 2, 0x18, true);
    v.setUint8(IDT + i * 8 + 4, 0);
    v.setUint8(IDT + i * 8 + 5, 0xee);
    v.setUint16(IDT + i * 8 + 6, h >>> 16, true);
  }
  v.setBigUint64(GDT + 0x40, 0x00cffb000000ffffn, true);
  v.setBigUint64(GDT + 0x48, 0x67n | (BigInt(TSS) << 16n) | (0x89n << 40n), true);
  v.setUint32(TSS + 4, 0x60000, true);
  v.setUint32(TSS + 8, 0x10, true);
  const s = g.vcpu.getSregs();
  g.vcpu.setSregs({ ...s, gdt: { base: BigInt(GDT), limit: 0x4f }, idt: { base: BigInt(IDT), limit: 0x7ff } });
}

const u32 = (g: Guest, at: bigint, i: number): number => g.view.getUint32(Number(at) + 4 * i, true);

describe('32-bit protected-mode delivery', () => {
  it('#UD at CPL 0 pushes EFLAGS, CS, EIP on the current stack', () => {
    const g = prot32Guest(assemble('ud2', 32));
    setup32(g);
    runToHlt(g);
    const r = g.vcpu.getRegs();
    assert.equal(r.rip, BigInt(HANDLERS + 6 * 16 + 1));
    assert.equal(r.rsp, 0x80000n - 12n);
    assert.deepEqual([u32(g, r.rsp, 0), u32(g, r.rsp, 1), u32(g, r.rsp, 2)], [CODE, 0x18, 0x2]);
  });

  it('#GP with an error code from a bad segment load', () => {
    const g = prot32Guest(assemble('mov $0x1f8, %ax\n mov %ax, %ds', 32));
    setup32(g);
    runToHlt(g);
    const r = g.vcpu.getRegs();
    assert.equal(r.rip, BigInt(HANDLERS + 13 * 16 + 1));
    assert.equal(u32(g, r.rsp, 0), 0x1f8, 'error code = the selector beyond the GDT limit');
    assert.equal(u32(g, r.rsp, 1), CODE + 4);
  });

  it('IRET to CPL 3, then INT 0x80 switches to SS0:ESP0 and pushes the outer SS:ESP', () => {
    const code = new Uint8Array(0x200);
    code.set(assemble('push $0x2b\n push $0x70000\n push $0x202\n push $0x43\n push $0x10100\n ltr %ax\n iret', 32));
    code.set(assemble('mov $5, %ebx\n int $0x80', 32, CODE + 0x100), 0x100);
    const g = prot32Guest(code);
    setup32(g);
    const r0 = g.vcpu.getRegs();
    g.vcpu.setRegs({ ...r0, rax: 0x48n });
    runToHlt(g);
    const r = g.vcpu.getRegs();
    const s = g.vcpu.getSregs();
    assert.equal(r.rip, BigInt(HANDLERS + 0x80 * 16 + 1));
    assert.equal(s.cs.selector, 0x18);
    assert.equal(s.ss.selector, 0x10);
    assert.equal(r.rsp, 0x60000n - 20n);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => u32(g, r.rsp, i)),
      [CODE + 0x107, 0x43, 0x202, 0x70000, 0x2b],
    );
    assert.equal(r.rbx, 5n);
    assert.equal(s.tr.type, 0xb, 'LTR marked the TSS busy');
  });
});

describe('real-mode delivery', () => {
  it('#DE goes through IVT[0] with FLAGS, CS, IP pushed and IF cleared', () => {
    const code = assemble('sti\n xor %cx, %cx\n div %cl\n hlt\n handler: hlt', 16, 0);
    const g = realModeGuest(code);
    g.view.setUint16(0, code.length - 1, true);
    g.view.setUint16(2, 0x1000, true);
    runToHlt(g);
    const r = g.vcpu.getRegs();
    assert.equal(r.rip, BigInt(code.length));
    assert.equal(r.rflags & 0x200n, 0n);
    const sp = 0x10000 + Number(r.rsp);
    assert.deepEqual([g.view.getUint16(sp, true), g.view.getUint16(sp + 2, true)], [3, 0x1000], 'IP of the div, CS');
    assert.equal(g.view.getUint16(sp + 4, true) & 0x200, 0x200, 'FLAGS with IF as it was');
  });
});
