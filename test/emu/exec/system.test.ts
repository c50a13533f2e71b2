// System behaviour of the emu CPU: exceptions with error codes and CR2, #DF and the triple fault, the
// privilege switch through TSS.RSP0 and the IST, IRETQ to CPL 3, SYSCALL/SYSRET, real mode IVT delivery,
// 32-bit protected mode, restartable REP string faults, and #UD counting of unimplemented operations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Op } from '../../../src/backends/emu/decode/ops.js';
import type { EmuVcpu } from '../../../src/backends/emu/vcpu.js';
import {
  assemble,
  CODE,
  haltedVector,
  IDT,
  longModeGuest,
  prot32Guest,
  realModeGuest,
  run64,
  runToHlt,
  STACK_TOP,
  TSS,
} from '../emu-harness.js';
import { ExitReason, MsrIndex } from './msr-index.js';

function frame(g: { ram: Uint8Array }, rsp: bigint, i: number): bigint {
  return new DataView(g.ram.buffer).getBigUint64(Number(rsp) + i * 8, true);
}

describe('exceptions in long mode', () => {
  it('#PF on a not-present page: CR2, error code, faulting rip', () => {
    const { regs, g } = run64('movabs $0x40000010, %rbx\n movl $1, (%rbx)\n hlt');
    assert.equal(haltedVector(g), 14);
    assert.equal(g.vcpu.getSregs().cr2, 0x40000010n);
    assert.equal(frame(g, regs.rsp, 0), 2n, 'W/R = 1, P = 0, supervisor');
    assert.equal(frame(g, regs.rsp, 1), BigInt(CODE + 10), 'rip of the faulting mov');
    assert.equal(frame(g, regs.rsp, 2), 0x08n);
    assert.equal(regs.rsp, BigInt(STACK_TOP - 48));
  });

  it('#GP(0) on a non-canonical address, #DE on divide by zero, #UD on ud2', () => {
    let r = run64('movabs $0x800000000000, %rbx\n mov (%rbx), %eax\n hlt');
    assert.equal(haltedVector(r.g), 13);
    assert.equal(frame(r.g, r.regs.rsp, 0), 0n);
    r = run64('xor %ecx, %ecx\n mov $1, %eax\n div %ecx\n hlt');
    assert.equal(haltedVector(r.g), 0);
    assert.equal(frame(r.g, r.regs.rsp, 0), BigInt(CODE + 7));
    r = run64('ud2\n hlt');
    assert.equal(haltedVector(r.g), 6);
  });

  it('an unimplemented operation raises #UD in the guest and is counted', () => {
    const { g } = run64('rdrand %eax\n hlt');
    assert.equal(haltedVector(g), 6);
    assert.equal((g.vcpu as EmuVcpu).cpu.unimplemented[Op.RDRAND], 1);
  });

  it('a fault while delivering #PF becomes #DF; a fault delivering #DF shuts down', () => {
    const src = 'movabs $0x40000000, %rbx\n mov (%rbx), %eax\n hlt';
    let g = longModeGuest(assemble(src));
    g.view.setUint8(IDT + 14 * 16 + 5, 0x6e); // #PF gate not present -> #NP during delivery -> #DF
    runToHlt(g);
    assert.equal(haltedVector(g), 8);
    assert.equal(frame(g, g.vcpu.getRegs().rsp, 0), 0n, '#DF pushes error code 0');
    g = longModeGuest(assemble(src));
    g.view.setUint8(IDT + 14 * 16 + 5, 0x6e);
    g.view.setUint8(IDT + 8 * 16 + 5, 0x6e);
    assert.equal(g.vcpu.run().reason, ExitReason.Shutdown);
  });

  it('INT3 through an IST gate switches to the IST stack', () => {
    const g = longModeGuest(assemble('int3\n hlt'));
    g.view.setUint8(IDT + 3 * 16 + 4, 1); // IST1
    g.view.setBigUint64(TSS + 0x24, 0x60000n, true);
    runToHlt(g);
    assert.equal(haltedVector(g), 3);
    const rsp = g.vcpu.getRegs().rsp;
    assert.equal(rsp, 0x60000n - 40n);
    assert.equal(frame(g, rsp, 0), BigInt(CODE + 1), '#BP is a trap: rip after the int3');
  });
});

describe('privilege levels', () => {
  // Kernel: build an IRETQ frame to user code at CODE+0x100 (CS 0x23, SS 0x2b, rsp 0x70000).
  const kernel = `
    push $0x2b
    push $0x70000
    push $0x202
    push $0x23
    push $${CODE + 0x100}
    iretq
  `;

  it('IRETQ to CPL 3, then INT 0x80 back to CPL 0 on TSS.RSP0 with the user frame', () => {
    const code = new Uint8Array(0x200);
    code.set(assemble(kernel));
    code.set(assemble('mov $7, %eax\n int $0x80', 64, CODE + 0x100), 0x100);
    const g = longModeGuest(code);
    runToHlt(g);
    assert.equal(haltedVector(g), 0x80);
    const r = g.vcpu.getRegs();
    assert.equal(r.rsp, BigInt(STACK_TOP - 0x8000 - 40), 'RSP0 minus the 5-quadword frame');
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => frame(g, r.rsp, i)),
      [BigInt(CODE + 0x107), 0x23n, 0x202n, 0x70000n, 0x2bn],
    );
    assert.equal(g.vcpu.getSregs().cs.selector, 0x08);
    assert.equal(r.rax, 7n);
  });

  it('a privileged instruction at CPL 3 is #GP(0); an INT to a DPL 0 gate is #GP(vector*8+2)', () => {
    const code = new Uint8Array(0x200);
    code.set(assemble(kernel));
    code.set(assemble('cli', 64, CODE + 0x100), 0x100);
    let g = longModeGuest(code);
    runToHlt(g);
    assert.equal(haltedVector(g), 13);
    assert.equal(frame(g, g.vcpu.getRegs().rsp, 0), 0n);
    code.set(assemble('int $0x30', 64, CODE + 0x100), 0x100);
    g = longModeGuest(code);
    g.view.setUint8(IDT + 0x30 * 16 + 5, 0x8e); // DPL 0
    runToHlt(g);
    assert.equal(haltedVector(g), 13);
    assert.equal(frame(g, g.vcpu.getRegs().rsp, 0), BigInt(0x30 * 8 + 2));
    assert.equal(frame(g, g.vcpu.getRegs().rsp, 1), BigInt(CODE + 0x100), 'rip of the INT itself');
  });

  it('SYSRET to CPL 3 and SYSCALL back through LSTAR with RCX/R11', () => {
    const code = new Uint8Array(0x300);
    code.set(
      assemble(`
        mov $${MsrIndex.STAR}, %ecx
        xor %eax, %eax
        mov $0x00130008, %edx
        wrmsr
        mov $${MsrIndex.LSTAR}, %ecx
        mov $${CODE + 0x200}, %eax
        xor %edx, %edx
        wrmsr
        mov $${MsrIndex.SFMASK}, %ecx
        mov $0x200, %eax
        wrmsr
        mov $${MsrIndex.EFER}, %ecx
        rdmsr
        or $1, %eax
        wrmsr
        mov $${CODE + 0x100}, %ecx
        mov $0x202, %r11d
        sysretq
      `),
    );
    code.set(assemble('mov $42, %ebx\n syscall', 64, CODE + 0x100), 0x100);
    code.set(assemble('hlt', 64, CODE + 0x200), 0x200);
    const g = longModeGuest(code);
    runToHlt(g);
    const r = g.vcpu.getRegs();
    const s = g.vcpu.getSregs();
    assert.equal(r.rip, BigInt(CODE + 0x201));
    assert.equal(r.rbx, 42n);
    assert.equal(r.rcx, BigInt(CODE + 0x107), 'RCX = the instruction after SYSCALL');
    assert.equal(r.r11, 0x202n);
    assert.equal(r.rflags & 0x200n, 0n, 'SFMASK cleared IF');
    assert.equal(s.cs.selector, 0x08);
    assert.equal(s.ss.selector, 0x10);
  });
});

describe('other modes', () => {
  it('real mode: arithmetic, a far call-free INT through the IVT and IRET', () => {
    const code = assemble(
      'mov $0x1234, %ax\n add $0x1111, %ax\n int $0x21\n mov %ax, %bx\n hlt\n handler: inc %ax\n iret',
      16,
      0,
    );
    const g = realModeGuest(code);
    // IVT[0x21] = 0x1000:<handler offset> (the handler is the last 3 bytes: inc %ax (1) + iret (1)).
    const handler = code.length - 2;
    g.view.setUint16(0x21 * 4, handler, true);
    g.view.setUint16(0x21 * 4 + 2, 0x1000, true);
    runToHlt(g);
    const r = g.vcpu.getRegs();
    assert.equal(r.rbx & 0xffffn, 0x2346n);
    assert.equal(r.rsp, 0xfff0n);
  });

  it('32-bit protected mode: stack, string and arithmetic at 32-bit sizes', () => {
    const g = prot32Guest(
      assemble(
        'mov $0x90000, %edi\n mov $0xab, %al\n mov $5, %ecx\n rep stosb\n push $-1\n pop %edx\n mov 0x90004, %bl\n hlt',
        32,
      ),
    );
    runToHlt(g);
    const r = g.vcpu.getRegs();
    assert.equal(r.rdx, 0xffffffffn);
    assert.equal(r.rbx & 0xffn, 0xabn);
    assert.equal(r.rdi, 0x90005n);
    assert.equal(r.rcx, 0n);
  });

  it('REP MOVSB faulting mid-way leaves rsi/rdi/rcx at the faulting element', () => {
    // The 2 MiB page at 0x200000 is made not present: the copy faults after 16 bytes.
    const { regs, g } = run64('mov $0x1ffff0, %rdi\n mov $0x90000, %rsi\n mov $64, %ecx\n rep movsb\n hlt', (g) =>
      g.view.setBigUint64(0x3008, 0n, true),
    );
    assert.equal(haltedVector(g), 14);
    assert.equal(g.vcpu.getSregs().cr2, 0x200000n);
    assert.equal(regs.rcx, 48n);
    assert.equal(regs.rdi, 0x200000n);
    assert.equal(regs.rsi, 0x90010n);
  });
});

describe('decoded-instruction cache', () => {
  it('self-modifying code: a store over the next instruction is executed as written', () => {
    // The loop runs `mov $1, %eax` once, then patches its immediate to 2 and runs it again.
    const { regs } = run64(`
      xor %ecx, %ecx
      xor %ebx, %ebx
    1: mov $1, %eax
      add %eax, %ebx
      movb $2, 1b+1(%rip)
      inc %ecx
      cmp $2, %ecx
      jne 1b
      hlt
    `);
    assert.equal(regs.rbx, 3n);
  });

  it('a write to guest RAM from the host between runs is seen (a debugger patching code)', () => {
    const g = longModeGuest(assemble('1: mov $1, %eax\n out %al, $0x80\n jmp 1b'));
    const first = g.vcpu.run();
    assert.equal(first.reason, ExitReason.Io);
    g.ram[CODE + 1] = 5; // mov $5, %eax
    const second = g.vcpu.run();
    assert.equal(second.reason, ExitReason.Io);
    if (second.reason === ExitReason.Io) assert.equal(second.io.data[0], 5);
  });

  it('counts retired instructions and unimplemented operations for --stats', () => {
    const { g } = run64('nop\n nop\n rdseed %eax\n hlt');
    const s = (g.vcpu as EmuVcpu).stats();
    assert.equal(s.unimplemented.RDSEED, 1);
    assert.ok(s.retired >= 2);
  });
});

describe('I/O protection', () => {
  it('at CPL 3 with IOPL 0, the TSS I/O bitmap allows port 0x80 and denies 0x81 (#GP(0))', () => {
    const code = new Uint8Array(0x200);
    code.set(
      assemble(`
        push $0x2b
        push $0x70000
        push $0x002
        push $0x23
        push $${CODE + 0x100}
        iretq
      `),
    );
    code.set(assemble('mov $1, %al\n out %al, $0x80\n out %al, $0x81\n hlt', 64, CODE + 0x100), 0x100);
    const g = longModeGuest(code);
    // TSS limit covers a bitmap at offset 0x68: ports 0x80 allowed (bit clear), 0x81 denied (bit set).
    const s = g.vcpu.getSregs();
    g.vcpu.setSregs({ ...s, tr: { ...s.tr, limit: 0x68 + 0x20 } });
    g.view.setUint16(TSS + 0x66, 0x68, true);
    g.ram.fill(0, TSS + 0x68, TSS + 0x68 + 0x20);
    g.ram[TSS + 0x68 + 0x10] = 0x02;
    const { out } = runToHlt(g);
    assert.deepEqual(out, [{ port: 0x80, value: 1 }]);
    assert.equal(haltedVector(g), 13);
  });
});
