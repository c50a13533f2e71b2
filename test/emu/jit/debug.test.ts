// Breakpoints and watchpoints inside hot, compiled code: every debug exit (pc, dr6, RFLAGS), the guest's own #DB
// delivery and the final state must be those of the interpreter (the block compiler off), whether the
// breakpoint was armed before the code got hot or after its blocks were compiled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DebugRegs, ExitReason, GuestDbg } from '../../../src/abi/index.js';
import type { EmuVcpu } from '../../../src/backends/emu/vcpu.js';
import { assemble, CODE, DATA, haltedVector, longModeGuest } from '../emu-harness.js';

// 200 turns; each stores rax at DATA + 8 * (turn mod 64) and loads it back two slots later; a CMP with memory
// whose flags the XOR after it replaces (a watchpoint stop right after it must still show them).
const LOOP = `
  mov $${DATA}, %ebx
  mov $200, %ecx
  xor %esi, %esi
top:
  add %rcx, %rax
  lea 1(%rsi), %esi
  and $63, %esi
  mov %rax, (%rbx,%rsi,8)
  mov 16(%rbx,%rsi,8), %rdx
  cmp 8(%rbx,%rsi,8), %rax
  xor %rdx, %rax
  dec %ecx
  jnz top
after:
  hlt
`;

/** DR7 bits: slot i locally enabled with R/W and LEN (SDM vol. 3 §18.2.4). */
function dr7(slot: number, rw: number, len: number): bigint {
  return (1n << BigInt(2 * slot)) | (BigInt(rw | (len << 2)) << BigInt(16 + 4 * slot));
}

interface Arm {
  /** KVM_SET_GUEST_DEBUG debugreg[0..3] and [7] (host-owned breakpoints), if any. */
  host?: { addr: bigint[]; dr7: bigint; singleStep?: boolean };
  /** The guest's own DR0-3 and DR7 (its #DB goes to the IDT stub, which halts). */
  guest?: { addr: bigint[]; dr7: bigint };
  soft?: { exec?: bigint[]; watch?: { addr: bigint; len: number; kind: 'w' | 'r' | 'rw' }[] };
}

/** Runs LOOP with the block compiler at `threshold` (0: off); `warm` first runs it once unarmed (so its blocks
 *  are compiled) and starts over. Returns every exit and the final registers and memory. */
function trace(threshold: number, arm: Arm, warm: boolean): string[] {
  const code = assemble(LOOP, 64);
  const g = longModeGuest(code);
  const vcpu = g.vcpu as EmuVcpu;
  vcpu.cpu.jitThreshold = threshold;
  const start = vcpu.getRegs();
  if (warm) {
    assert.equal(vcpu.run().reason, ExitReason.Hlt);
    vcpu.setRegs(start);
  }
  if (arm.host) {
    const d = [...arm.host.addr, 0n, 0n, 0n, 0n].slice(0, 4);
    const control = GuestDbg.Enable | GuestDbg.UseHwBp | (arm.host.singleStep ? GuestDbg.SingleStep : 0);
    vcpu.setGuestDebug({ control, debugreg: [...d, 0n, 0n, 0n, arm.host.dr7 | 0x400n] });
  }
  if (arm.guest) {
    const regs: DebugRegs = vcpu.getDebugRegs();
    const a = [...arm.guest.addr, 0n, 0n, 0n, 0n];
    regs.db = [a[0]!, a[1]!, a[2]!, a[3]!];
    regs.dr7 = arm.guest.dr7 | 0x400n;
    vcpu.setDebugRegs(regs);
  }
  if (arm.soft) vcpu.setSoftBreakpoints(arm.soft);
  const out: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const exit = vcpu.run();
    if (exit.reason === ExitReason.Debug) {
      const d = exit.debug;
      out.push(
        `debug ex ${d.exception} pc ${d.pc.toString(16)} dr6 ${d.dr6.toString(16)} retired ${vcpu.cpu.retired} rflags ${vcpu.getRegs().rflags.toString(16)}`,
      );
      if ((d.dr6 & 0xfn) !== 0n && arm.host?.addr.includes(d.pc)) {
        // An instruction breakpoint is a fault: resume with RF set, as a debugger does.
        const r = vcpu.getRegs();
        r.rflags |= 0x10000n;
        vcpu.setRegs(r);
      }
      continue;
    }
    out.push(`exit ${exit.reason} vector ${haltedVector(g)} retired ${vcpu.cpu.retired}`);
    break;
  }
  const r = vcpu.getRegs();
  out.push(
    `rax ${r.rax.toString(16)} rsi ${r.rsi.toString(16)} rip ${r.rip.toString(16)} rflags ${r.rflags.toString(16)}`,
  );
  out.push(`dr6 ${vcpu.getDebugRegs().dr6.toString(16)}`);
  out.push(Buffer.from(g.ram.subarray(DATA, DATA + 512)).toString('hex'));
  return out;
}

function same(arm: Arm, expectDebugExits: boolean, expectEnd = 'vector -1'): void {
  for (const warm of [false, true]) {
    const oracle = trace(0, arm, warm);
    assert.equal(
      oracle.some((l) => l.startsWith('debug')),
      expectDebugExits,
      oracle.join('\n'),
    );
    assert.ok(
      oracle.some((l) => l.includes(expectEnd)),
      oracle.join('\n'),
    );
    for (const threshold of [1, 4])
      assert.deepEqual(trace(threshold, arm, warm), oracle, `threshold ${threshold} warm ${warm}`);
  }
}

const slot = (k: number) => BigInt(DATA + 8 * k);
const topAddr = () => {
  // `top` is the fourth instruction: mov $DATA,%ebx (5) + mov $200,%ecx (5) + xor %esi,%esi (2).
  return BigInt(CODE + 12);
};

describe('debug exits inside compiled blocks match the interpreter', () => {
  it('host write watchpoint (USE_HW_BP) on a slot the loop stores to', () =>
    same({ host: { addr: [slot(37)], dr7: dr7(0, 1, 3) } }, true));
  it('host read/write watchpoint on a slot the loop loads from', () =>
    same({ host: { addr: [slot(5)], dr7: dr7(0, 3, 3) } }, true));
  it('four host watchpoints on addresses the loop never touches', () =>
    same(
      {
        host: {
          addr: [slot(200), slot(201), slot(202), slot(203)],
          dr7: dr7(0, 1, 3) | dr7(1, 3, 3) | dr7(2, 1, 3) | dr7(3, 3, 3),
        },
      },
      false,
    ));
  it('host execution breakpoint on the loop head', () =>
    same({ host: { addr: [topAddr()], dr7: dr7(0, 0, 0) } }, true));
  it("the guest's own watchpoint (#DB to its IDT)", () =>
    same({ guest: { addr: [0n, slot(12)], dr7: dr7(1, 1, 3) } }, false, 'vector 1'));
  it('soft watchpoint and soft execution breakpoint', () =>
    same({ soft: { exec: [topAddr() + 9n], watch: [{ addr: slot(50), len: 8, kind: 'w' }] } }, true));
  it('single-step through the loop', () => same({ host: { addr: [], dr7: 0n, singleStep: true } }, true));
});
