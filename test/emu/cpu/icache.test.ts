// The decoded-instruction cache and the specialised handlers it keeps (src/backends/emu/cpu/icache.ts,
// exec/fast.ts): whatever was cached, the CPU executes the bytes as they are now, in the paging context as
// it is now, and debug controls armed after caching still fire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitReason, GuestDbg } from '../../../src/index.js';
import { assemble, CODE, DATA, longModeGuest, run64 } from '../emu-harness.js';

const FN = 0x20000;

describe('decoded-instruction cache invalidation', () => {
  it('a store that turns a cached ADD r,r into SUB r,r runs the new operation', () => {
    const { regs } = run64(`
      xor %ecx, %ecx
      mov $10, %ebx
      mov $3, %eax
    1: add %eax, %ebx
      movb $0x29, 1b(%rip)
      inc %ecx
      cmp $2, %ecx
      jne 1b
      hlt
    `);
    assert.equal(regs.rbx, 10n);
  });

  it('code copied over a cached function (REP MOVSB) runs as copied', () => {
    const { regs } = run64(
      `
      mov $${FN}, %rdx
      call *%rdx
      call *%rdx
      mov %eax, %ebx
      mov $${DATA}, %rsi
      mov $${FN}, %rdi
      mov $16, %ecx
      rep movsb
      call *%rdx
      shl $8, %ebx
      add %eax, %ebx
      hlt
    `,
      (g) => {
        g.ram.set(assemble('mov $5, %eax\n add %eax, %eax\n ret', 64, FN), FN);
        g.ram.set(assemble('mov $3, %eax\n add %eax, %eax\n add %eax, %eax\n ret', 64, FN), DATA);
      },
    );
    assert.equal(regs.rbx, 0x0a0cn);
  });

  it('a CR3 switch mapping the same linear code page to other bytes runs the other bytes', () => {
    // Second paging tree: PML4 0xa000 -> PDPT 0xb000 -> PD 0xc000 (identity 2 MiB pages) except
    // 0x200000-0x3fffff, mapped by the 4 KiB table at 0xd000 with linear 0x200000 -> physical 0x201000.
    const { regs } = run64(
      `
      mov $0x200000, %rdx
      call *%rdx
      call *%rdx
      mov %eax, %ebx
      mov $0xa000, %rax
      mov %rax, %cr3
      call *%rdx
      shl $8, %ebx
      add %eax, %ebx
      hlt
    `,
      (g) => {
        const v = g.view;
        v.setBigUint64(0xa000, 0xb000n | 7n, true);
        v.setBigUint64(0xb000, 0xc000n | 7n, true);
        for (let i = 0; i < 512; i++) v.setBigUint64(0xc000 + i * 8, (BigInt(i) << 21n) | 0x87n, true);
        v.setBigUint64(0xc000 + 8, 0xd000n | 7n, true);
        for (let i = 0; i < 512; i++) v.setBigUint64(0xd000 + i * 8, BigInt(0x200000 + i * 4096) | 7n, true);
        v.setBigUint64(0xd000, 0x201000n | 7n, true);
        g.ram.set(assemble('mov $1, %eax\n add %eax, %eax\n ret', 64, 0x200000), 0x200000);
        g.ram.set(assemble('mov $4, %eax\n add %eax, %eax\n ret', 64, 0x200000), 0x201000);
      },
    );
    assert.equal(regs.rbx, 0x0208n);
  });

  it('a hardware breakpoint armed on code already cached stops there', () => {
    const g = longModeGuest(assemble('1: inc %ecx\n add %ecx, %ebx\n out %al, $0x80\n jmp 1b'));
    assert.equal(g.vcpu.run().reason, ExitReason.Io);
    assert.equal(g.vcpu.run().reason, ExitReason.Io);
    g.vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.UseHwBp,
      debugreg: [BigInt(CODE + 2), 0n, 0n, 0n, 0n, 0n, 0n, 0x1n],
    });
    const exit = g.vcpu.run();
    assert.equal(exit.reason, ExitReason.Debug);
    if (exit.reason === ExitReason.Debug) assert.equal(exit.debug.pc, BigInt(CODE + 2));
    assert.equal(g.vcpu.getRegs().rcx, 3n);
    assert.equal(g.vcpu.getRegs().rbx, 3n);
  });

  it('an int3 patched by the host over cached code exits under USE_SW_BP', () => {
    const g = longModeGuest(assemble('1: inc %ecx\n add %ecx, %ebx\n out %al, $0x80\n jmp 1b'));
    assert.equal(g.vcpu.run().reason, ExitReason.Io);
    g.vcpu.setGuestDebug({ control: GuestDbg.Enable | GuestDbg.UseSwBp, debugreg: [] });
    g.ram[CODE + 2] = 0xcc;
    const exit = g.vcpu.run();
    assert.equal(exit.reason, ExitReason.Debug);
    if (exit.reason === ExitReason.Debug) assert.equal(exit.debug.exception, 3);
    assert.equal(g.vcpu.getRegs().rcx, 2n);
    assert.equal(g.vcpu.getRegs().rbx, 1n);
  });

  it('single-step armed after the loop was cached steps every instruction', () => {
    const g = longModeGuest(assemble('1: inc %ecx\n add %ecx, %ebx\n out %al, $0x80\n jmp 1b'));
    assert.equal(g.vcpu.run().reason, ExitReason.Io);
    g.vcpu.setGuestDebug({ control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: [] });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const exit = g.vcpu.run();
      seen.push(exit.reason === ExitReason.Debug ? `step ${exit.debug.pc - BigInt(CODE)}` : `exit ${exit.reason}`);
    }
    // From the completed OUT: jmp (stop on inc), inc, add, the OUT's own I/O exit, out retired, jmp.
    assert.deepEqual(seen, ['step 0', 'step 2', 'step 4', `exit ${ExitReason.Io}`, 'step 6', 'step 0']);
  });
});
