// x87 control and SSE state: FNINIT/FNSTCW/FLDCW/FNSTSW, LDMXCSR/STMXCSR (reserved bits #GP), SSE moves and
// PXOR between XMM registers and memory, the FXSAVE image and FXRSTOR, CR4.OSFXSR = 0 -> #UD, CR0.TS -> #NM,
// and KVM_GET_FPU seeing the same state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assemble, DATA, type Guest, haltedVector, longModeGuest, runToHlt } from '../emu-harness.js';

function withOsfxsr(g: Guest, on = true): void {
  const s = g.vcpu.getSregs();
  g.vcpu.setSregs({ ...s, cr4: on ? s.cr4 | 0x600n : s.cr4 & ~0x600n });
}

describe('x87 control and SSE state', () => {
  it('FNINIT, FLDCW/FNSTCW, FNSTSW AX', () => {
    const g = longModeGuest(
      assemble(
        `fninit\n fnstcw ${DATA}\n movw $0x27f, ${DATA + 2}\n fldcw ${DATA + 2}\n fnstcw ${DATA + 4}\n fnstsw %ax\n hlt`,
      ),
    );
    runToHlt(g);
    assert.equal(g.view.getUint16(DATA, true), 0x37f);
    assert.equal(g.view.getUint16(DATA + 4, true), 0x27f);
    assert.equal(g.vcpu.getRegs().rax & 0xffffn, 0n);
    assert.equal(g.vcpu.getFpu().fcw, 0x27f);
  });

  it('MXCSR round trip; reserved bits are #GP(0)', () => {
    let g = longModeGuest(assemble(`movl $0x9fc0, ${DATA}\n ldmxcsr ${DATA}\n stmxcsr ${DATA + 4}\n hlt`));
    withOsfxsr(g);
    runToHlt(g);
    assert.equal(g.view.getUint32(DATA + 4, true), 0x9fc0);
    assert.equal(g.vcpu.getFpu().mxcsr, 0x9fc0);
    g = longModeGuest(assemble(`movl $0x10000, ${DATA}\n ldmxcsr ${DATA}\n hlt`));
    withOsfxsr(g);
    runToHlt(g);
    assert.equal(haltedVector(g), 13);
  });

  it('SSE moves, PXOR, FXSAVE image and FXRSTOR', () => {
    const g = longModeGuest(
      assemble(`
        movdqu ${DATA}, %xmm3
        movdqa %xmm3, %xmm9
        pxor %xmm3, %xmm3
        mov $0x1122334455667788, %rax
        movq %rax, %xmm5
        fxsave ${DATA + 0x200}
        pxor %xmm9, %xmm9
        fxrstor ${DATA + 0x200}
        movups %xmm9, ${DATA + 0x100}
        movd %xmm5, %ebx
        hlt
      `),
    );
    withOsfxsr(g);
    for (let i = 0; i < 16; i++) g.ram[DATA + i] = i * 17;
    runToHlt(g);
    const img = DATA + 0x200;
    assert.equal(g.view.getUint16(img, true), 0x37f, 'FCW');
    assert.equal(g.view.getUint32(img + 24, true), 0x1f80, 'MXCSR');
    assert.deepEqual(
      [...g.ram.subarray(img + 160 + 9 * 16, img + 160 + 10 * 16)],
      [...g.ram.subarray(DATA, DATA + 16)],
      'XMM9 in the image',
    );
    assert.deepEqual(
      [...g.ram.subarray(img + 160 + 3 * 16, img + 160 + 4 * 16)],
      new Array(16).fill(0),
      'XMM3 cleared by PXOR',
    );
    assert.deepEqual(
      [...g.ram.subarray(DATA + 0x100, DATA + 0x110)],
      [...g.ram.subarray(DATA, DATA + 16)],
      'FXRSTOR restored XMM9',
    );
    assert.equal(g.vcpu.getRegs().rbx, 0x55667788n);
    assert.deepEqual(
      [...g.vcpu.getFpu().xmm[5]!],
      [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0, 0, 0, 0],
    );
  });

  it('SSE without CR4.OSFXSR is #UD; with CR0.TS it is #NM; a misaligned MOVDQA is #GP', () => {
    let g = longModeGuest(assemble('pxor %xmm0, %xmm0\n hlt'));
    withOsfxsr(g, false);
    runToHlt(g);
    assert.equal(haltedVector(g), 6);
    g = longModeGuest(assemble('pxor %xmm0, %xmm0\n hlt'));
    withOsfxsr(g);
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({ ...s, cr0: s.cr0 | 8n });
    runToHlt(g);
    assert.equal(haltedVector(g), 7);
    g = longModeGuest(assemble(`movdqa ${DATA + 8}, %xmm1\n hlt`));
    withOsfxsr(g);
    runToHlt(g);
    assert.equal(haltedVector(g), 13);
  });
});
