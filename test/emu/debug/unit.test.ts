// The emu debug unit on its own: DR read/write rules, breakpoint matching, and KVM's ownership decisions,
// driven through the CPU hook interface with a minimal CPU double.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuestDbg, InterruptShadow } from '../../../src/abi/constants.js';
import { KvmError } from '../../../src/abi/errors.js';
import { EventKind } from '../../../src/backends/emu/cpu/interrupts.js';
import { dataMatch, enabledSlots, execMatch, ioMatch } from '../../../src/backends/emu/debug/match.js';
import { dr6WithPayload, GuestDebugRegs } from '../../../src/backends/emu/debug/regs.js';
import { SOFT_EXEC, SOFT_INDEX_SHIFT, SOFT_WATCH, SOFT_WRITE } from '../../../src/backends/emu/debug/soft.js';
import { type DebugCpu, EmuDebugUnit, PENDING_EXIT_DEBUG } from '../../../src/backends/emu/debug/unit.js';
import { EXIT } from '../../../src/backends/emu/signals.js';
import { CR4, RFLAGS } from '../../../src/x86/control-regs.js';
import { dr7Slot } from '../../../src/x86/debug-regs.js';

class Raised {
  constructor(
    readonly vector: number,
    readonly code: number,
  ) {}
}

class FakeCpu implements DebugCpu {
  rip = 0x1000;
  startRip = 0x1000;
  retired = 0;
  rflags = 2;
  cr4 = 0;
  cpl = 0;
  long64 = true;
  shadow = 0;
  queuedVector = -1;
  queuedErrorCode = -1;
  exitKind = 0;
  trapPending = false;
  flushes = 0;
  ripLinear(): number {
    return this.rip;
  }
  raise(vector: number, errorCode = -1): never {
    throw new Raised(vector, errorCode);
  }
  flushTlb(): void {
    this.flushes++;
  }
}

let current = new FakeCpu();

function setup(): { cpu: FakeCpu; unit: EmuDebugUnit } {
  current = new FakeCpu();
  return { cpu: current, unit: new EmuDebugUnit(current) };
}

/** Runs fn and returns what it did: 'exit' (threw EXIT, or set the CPU's pending debug exit as afterInsn()
 *  does), a Raised guest exception, or undefined. */
function outcome(fn: () => void): 'exit' | Raised | undefined {
  current.exitKind = 0;
  try {
    fn();
  } catch (e) {
    if (e === EXIT) return 'exit';
    if (e instanceof Raised) return e;
    throw e;
  }
  return current.exitKind === PENDING_EXIT_DEBUG ? 'exit' : undefined;
}

const dbg = (control: number, regs: Partial<Record<number, bigint>> = {}) => ({
  control,
  debugreg: Array.from({ length: 8 }, (_, i) => regs[i] ?? 0n),
});

describe('DR6/DR7 read rules', () => {
  it('DR6 reads 0xffff0ff0 | status, DR7 bit 10 reads 1 and bits 11, 12, 14, 15 read 0', () => {
    const r = new GuestDebugRegs();
    r.writeDr6(0);
    assert.equal(r.dr6, 0xffff0ff0);
    r.writeDr6(0xffffffff);
    assert.equal(r.dr6, 0xffffefff);
    r.writeDr7(0);
    assert.equal(r.dr7, 0x400);
    r.writeDr7(0xffffffff);
    assert.equal(r.dr7, 0xffff27ff);
  });
  it('a #DB payload replaces B0-B3 and keeps BD/BS/BT sticky', () => {
    assert.equal(dr6WithPayload(0xffff4ff2, 0x4), 0xffff4ff4);
    assert.equal(dr6WithPayload(0xffff0ff0, 1 << 14), 0xffff4ff0);
    assert.equal(dr6WithPayload(0xffff2ff1, 0), 0xffff2ff0);
  });
  it('KVM_SET_DEBUGREGS rejects flags and upper bits with EINVAL', () => {
    const r = new GuestDebugRegs();
    assert.throws(() => r.set({ db: [0n, 0n, 0n, 0n], dr6: 0n, dr7: 0n, flags: 1 }), /EINVAL/);
    assert.throws(() => r.set({ db: [0n, 0n, 0n, 0n], dr6: 1n << 32n, dr7: 0n, flags: 0 }), /EINVAL/);
    assert.throws(() => r.set({ db: [0n, 0n, 0n, 0n], dr6: 0n, dr7: 1n << 40n, flags: 0 }), KvmError);
    r.set({ db: [0xffffffff80001000n, 1n, 2n, 3n], dr6: 0n, dr7: 0n, flags: 0 });
    assert.deepEqual(r.get(), { db: [0xffffffff80001000n, 1n, 2n, 3n], dr6: 0xffff0ff0n, dr7: 0x400n, flags: 0 });
    assert.equal(r.addr[0], -0x7ffff000);
  });
});

describe('breakpoint matching', () => {
  const addr = new Float64Array([0x1000, 0x2003, 0x3005, 0x4000]);
  it('exec matches the exact address of R/W=00 slots, enabled or not', () => {
    assert.equal(execMatch(addr, 0, 0x1000), 1);
    assert.equal(execMatch(addr, dr7Slot(0, 1, 1), 0x1000), 0);
    assert.equal(execMatch(addr, 0, 0x1001), 0);
    assert.equal(enabledSlots(0x400 | (1 << 5)), 4);
  });
  it('data: LEN masks the address, straddling accesses match, R/W 01 ignores reads', () => {
    // slot 1: 0x2003 with LEN 4 covers 0x2000..0x2003
    const d7 = dr7Slot(1, 1, 4) | dr7Slot(2, 3, 8);
    assert.equal(dataMatch(addr, d7, 0x2000, 1, true), 2);
    assert.equal(dataMatch(addr, d7, 0x1ffe, 4, true), 2, 'straddles the start');
    assert.equal(dataMatch(addr, d7, 0x2004, 4, true), 0);
    assert.equal(dataMatch(addr, d7, 0x2000, 4, false), 0, 'write-only slot ignores reads');
    // slot 2: 0x3005 with LEN 8 covers 0x3000..0x3007, reads and writes
    assert.equal(dataMatch(addr, d7, 0x3007, 1, false), 4);
    assert.equal(dataMatch(addr, d7, 0x2ff8, 8, false), 0);
    assert.equal(dataMatch(addr, d7, 0x2ff9, 8, true), 4);
    const d2 = dr7Slot(3, 1, 2);
    assert.equal(dataMatch(addr, d2, 0x4001, 1, true), 8);
    assert.equal(dataMatch(addr, d2, 0x4002, 1, true), 0);
  });
  it('I/O: R/W=10 on port ranges', () => {
    const ports = new Float64Array([0x3f8, 0, 0, 0]);
    const d7 = dr7Slot(0, 2, 8);
    assert.equal(ioMatch(ports, d7, 0x3fd, 1), 1);
    assert.equal(ioMatch(ports, d7, 0x400, 1), 0);
  });
});

describe('host control (KVM_SET_GUEST_DEBUG)', () => {
  it('EBUSY to inject over a pending exception', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.InjectDb));
    assert.equal(cpu.queuedVector, 1);
    assert.throws(() => unit.setGuestDebug(dbg(GuestDbg.InjectBp)), /EBUSY/);
    // The injected #DB reaches the guest even while the host owns #DB.
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.SingleStep));
    assert.equal(unit.interceptException(1, EventKind.Exception), false);
  });
  it('control without ENABLE is off', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.SingleStep | GuestDbg.UseSwBp));
    assert.equal(unit.active, false);
    assert.equal(
      outcome(() => unit.breakpoint(false)),
      undefined,
    );
    assert.equal(cpu.exitKind, 0);
  });
  it('USE_SW_BP: int3 exits with pc at the int3; INT 3 (CD 03) is not intercepted', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.UseSwBp));
    assert.equal(
      outcome(() => unit.breakpoint(true)),
      undefined,
    );
    assert.equal(
      outcome(() => unit.breakpoint(false)),
      'exit',
    );
    assert.equal(cpu.exitKind, PENDING_EXIT_DEBUG);
    assert.equal(unit.exitArch.exception, 3);
    assert.equal(unit.exitArch.pc, 0x1000n);
    assert.equal(cpu.rip, 0x1000);
    // Re-injection: the guest handler sees the return address after the int3.
    unit.setGuestDebug(dbg(GuestDbg.InjectBp | GuestDbg.Enable | GuestDbg.UseSwBp));
    assert.equal(cpu.queuedVector, 3);
    assert.equal(cpu.rip, 0x1001);
    assert.equal(unit.interceptException(3, EventKind.Exception), false);
  });
  it('USE_HW_BP exec breakpoint on every slot: fault-like exit, dr6 = 0xffff0ff0 | Bi, re-triggers', () => {
    for (let i = 0; i < 4; i++) {
      const { cpu, unit } = setup();
      unit.setGuestDebug(
        dbg(GuestDbg.Enable | GuestDbg.UseHwBp, { [i]: 0x1000n, 7: BigInt(0x400 | (1 << (2 * i + 1))) }),
      );
      assert.equal(unit.active, true);
      for (let k = 0; k < 2; k++) {
        assert.equal(
          outcome(() => unit.beforeInsn(0x1000, false)),
          'exit',
        );
        assert.deepEqual(unit.exitArch, {
          exception: 1,
          pc: 0x1000n,
          dr6: BigInt((0xffff0ff0 | (1 << i)) >>> 0),
          dr7: BigInt(0x400 | (1 << (2 * i + 1))),
        });
        assert.equal(cpu.rip, 0x1000);
      }
    }
  });
  it('USE_HW_BP 4-byte write watchpoint: trap-like exit after the store', () => {
    const { cpu, unit } = setup();
    const d7 = 0x400 | (1 << 3) | (0xd << 20);
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.UseHwBp, { 1: 0x5000n, 7: BigInt(d7) }));
    assert.equal(unit.watchActive, true);
    assert.equal(unit.watchesPage(0x5abc), true);
    assert.equal(unit.watchesPage(0x6000), false);
    unit.beforeInsn(0x1000, false);
    unit.dataAccess(0x5000, 8, true);
    cpu.rip = 0x1007;
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      'exit',
    );
    assert.deepEqual(unit.exitArch, { exception: 1, pc: 0x1007n, dr6: BigInt(0xffff0ff2), dr7: BigInt(d7) });
  });
  it('SINGLESTEP: one exit per instruction with BS, TF untouched, IRQs blocked with BLOCKIRQ', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.SingleStep | GuestDbg.BlockIrq, { 7: 0x400n }));
    assert.equal(unit.blockIrq(), true);
    unit.beforeInsn(0x1000, false);
    cpu.rip = 0x1001;
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      'exit',
    );
    assert.deepEqual(unit.exitArch, { exception: 1, pc: 0x1001n, dr6: 0xffff4ff0n, dr7: 0x400n });
    assert.equal(cpu.rflags & RFLAGS.TF, 0);
    // An instruction that faults: the step ends at the handler's first instruction.
    unit.beforeInsn(0x1001, false);
    assert.equal(
      outcome(() => unit.beforeInsn(0x9000, false)),
      'exit',
    );
    assert.equal(unit.exitArch.pc, 0x9000n);
  });
  it('SINGLESTEP over MOV SS: the step covers the next instruction too', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.SingleStep));
    unit.beforeInsn(0x1000, false);
    cpu.shadow = InterruptShadow.MovSs;
    cpu.rip = 0x1002;
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      undefined,
    );
    unit.beforeInsn(0x1002, false);
    cpu.shadow = 0;
    cpu.rip = 0x1003;
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      'exit',
    );
    assert.equal(unit.exitArch.pc, 0x1003n);
  });
  it('USE_HW_BP with DR7.GD: MOV DR exits before executing with BD', () => {
    const { unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.UseHwBp, { 7: 0x2400n }));
    assert.equal(
      outcome(() => unit.readDr(0)),
      'exit',
    );
    assert.deepEqual(unit.exitArch, { exception: 1, pc: 0x1000n, dr6: 0xffff2ff0n, dr7: 0x2400n });
  });
  it('under USE_HW_BP the guest reads and writes its own DRs', () => {
    const { unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.UseHwBp, { 0: 0x1000n, 7: 0x402n }));
    unit.writeDr(0, 0x2000, 0);
    unit.writeDr(7, 0x401, 0);
    assert.equal(unit.readDr(0), 0x2000);
    assert.equal(unit.readDr(7), 0x401);
    assert.deepEqual(unit.getDebugRegs().db, [0x2000n, 0n, 0n, 0n]);
    // The guest's DR0 is not in effect; the host's is.
    assert.equal(
      outcome(() => unit.beforeInsn(0x2000, false)),
      undefined,
    );
  });
});

describe('the guest debugging itself', () => {
  it('DR4/DR5 alias DR6/DR7 unless CR4.DE (#UD); CPL > 0 is #GP(0); 64-bit upper bits #GP', () => {
    const { cpu, unit } = setup();
    unit.writeDr(4, 0x4002, 0);
    assert.equal(unit.readDr(6), 0xffff4ff2);
    assert.equal(unit.readDr(4), 0xffff4ff2);
    unit.writeDr(5, 0x1, 0);
    assert.equal(unit.readDr(7), 0x401);
    cpu.cr4 = CR4.DE;
    assert.deepEqual(
      outcome(() => unit.readDr(4)),
      new Raised(6, -1),
    );
    assert.deepEqual(
      outcome(() => unit.writeDr(7, 0, 1)),
      new Raised(13, 0),
    );
    cpu.cpl = 3;
    assert.deepEqual(
      outcome(() => unit.readDr(0)),
      new Raised(13, 0),
    );
  });
  it('DR2 exec breakpoint: #DB fault with B2, BS preserved when set by software, RF suppresses', () => {
    const { cpu, unit } = setup();
    unit.writeDr(2, 0x1000, 0);
    unit.writeDr(6, 0x4002, 0);
    unit.writeDr(7, 0x400 | (2 << 4), 0);
    assert.deepEqual(
      outcome(() => unit.beforeInsn(0x1000, false)),
      new Raised(1, -1),
    );
    assert.equal(unit.interceptException(1, EventKind.Exception), false);
    assert.equal(unit.readDr(6), 0xffff4ff4);
    cpu.rflags |= RFLAGS.RF;
    assert.equal(
      outcome(() => unit.beforeInsn(0x1000, false)),
      undefined,
    );
    assert.equal(cpu.rflags & RFLAGS.RF, 0);
  });
  it('GD: the next MOV DR raises #DB with BD and delivery clears GD', () => {
    const { unit } = setup();
    unit.writeDr(7, 0x2400, 0);
    assert.deepEqual(
      outcome(() => unit.writeDr(6, 0, 0)),
      new Raised(1, -1),
    );
    assert.equal(unit.interceptException(1, EventKind.Exception), false);
    assert.equal(unit.getDebugRegs().dr7, 0x400n);
    assert.equal(unit.getDebugRegs().dr6, 0xffff2ff0n);
  });
  it('TF single-step trap with BS; data watchpoint trap with B1 and BS kept', () => {
    const { cpu, unit } = setup();
    cpu.rflags |= RFLAGS.TF;
    assert.equal(unit.active, true);
    unit.beforeInsn(0x1000, false);
    assert.deepEqual(
      outcome(() => unit.afterInsn(true)),
      new Raised(1, -1),
    );
    assert.equal(unit.interceptException(1, EventKind.Exception), false);
    assert.equal(unit.readDr(6), 0xffff4ff0);
    cpu.rflags = 2;
    unit.writeDr(1, 0x5000, 0);
    unit.writeDr(7, 0x00d0040a, 0);
    unit.beforeInsn(0x1000, false);
    unit.dataAccess(0x5000, 8, true);
    assert.deepEqual(
      outcome(() => unit.afterInsn(false)),
      new Raised(1, -1),
    );
    unit.interceptException(1, EventKind.Exception);
    assert.equal(unit.readDr(6), 0xffff4ff2);
  });
  it('ICEBP: #DB with no status bits; traps held by MOV SS are dropped; INT 1 leaves DR6 alone', () => {
    const { cpu, unit } = setup();
    unit.writeDr(6, 0xf, 0);
    assert.equal(unit.interceptException(1, EventKind.Icebp), false);
    assert.equal(unit.readDr(6), 0xffff0ff0);
    // MOV SS under TF: BS held, then ICEBP delivers one #DB without BS.
    cpu.rflags |= RFLAGS.TF;
    unit.beforeInsn(0x1000, false);
    cpu.shadow = InterruptShadow.MovSs;
    unit.afterInsn(true);
    assert.equal(unit.interceptException(1, EventKind.Icebp), false);
    assert.equal(unit.readDr(6), 0xffff0ff0);
    unit.writeDr(6, 0x2, 0);
    assert.equal(unit.interceptException(1, EventKind.Software), false);
    assert.equal(unit.readDr(6), 0xffff0ff2);
  });
  it('ICEBP while the host owns #DB: exit on the ICEBP itself', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.SingleStep));
    cpu.startRip = 0x1000;
    cpu.rip = 0x1001;
    assert.equal(unit.interceptException(1, EventKind.Icebp), true);
    assert.equal(cpu.rip, 0x1000);
    assert.deepEqual(unit.exitArch, { exception: 1, pc: 0x1000n, dr6: 0xffff0ff0n, dr7: 0x400n });
  });
});

describe('more of SDM ch. 18 through the hooks', () => {
  it('I/O breakpoints need CR4.DE; they trap after the IN/OUT', () => {
    const { cpu, unit } = setup();
    unit.writeDr(0, 0x3f8, 0);
    unit.writeDr(7, 0x400 | dr7Slot(0, 2, 8), 0);
    assert.equal(unit.ioActive, true);
    unit.beforeInsn(0x1000, false);
    unit.ioAccess(0x3fd, 1);
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      undefined,
      'R/W = 10 without CR4.DE is not an I/O breakpoint',
    );
    cpu.cr4 = CR4.DE;
    unit.beforeInsn(0x1000, false);
    unit.ioAccess(0x3fd, 1);
    assert.deepEqual(
      outcome(() => unit.afterInsn(false)),
      new Raised(1, -1),
    );
    unit.interceptException(1, EventKind.Exception);
    assert.equal(unit.readDr(6), 0xffff0ff1);
  });
  it('B0-B3 report disabled matches next to the enabled one', () => {
    const { unit } = setup();
    unit.writeDr(0, 0x1000, 0);
    unit.writeDr(1, 0x1000, 0);
    unit.writeDr(7, 0x400 | (1 << 3), 0);
    assert.deepEqual(
      outcome(() => unit.beforeInsn(0x1000, false)),
      new Raised(1, -1),
    );
    unit.interceptException(1, EventKind.Exception);
    assert.equal(unit.readDr(6), 0xffff0ff3);
    // Only the disabled one matching: no #DB.
    unit.writeDr(1, 0x2000, 0);
    assert.equal(
      outcome(() => unit.beforeInsn(0x1000, false)),
      undefined,
    );
  });
  it('POPF setting TF traps after the next instruction, not after itself', () => {
    const { cpu, unit } = setup();
    unit.writeDr(6, 0, 0);
    assert.equal(unit.active, false);
    cpu.rflags |= RFLAGS.TF; // the popf just set it: afterInsn(tfBefore = false) is a no-op
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      undefined,
    );
    assert.equal(unit.active, true);
    unit.beforeInsn(0x1001, false);
    assert.deepEqual(
      outcome(() => unit.afterInsn(true)),
      new Raised(1, -1),
    );
  });
  it('MOV SS blocking suppresses instruction breakpoints on the next instruction', () => {
    const { cpu, unit } = setup();
    unit.writeDr(0, 0x1000, 0);
    unit.writeDr(7, 0x402, 0);
    cpu.shadow = InterruptShadow.MovSs;
    assert.equal(
      outcome(() => unit.beforeInsn(0x1000, false)),
      undefined,
    );
    cpu.shadow = 0;
    assert.deepEqual(
      outcome(() => unit.beforeInsn(0x1000, false)),
      new Raised(1, -1),
    );
  });
  it('a trap held by MOV SS survives INT n and is delivered at the handler entry', () => {
    const { cpu, unit } = setup();
    cpu.rflags |= RFLAGS.TF;
    unit.beforeInsn(0x1000, false);
    cpu.shadow = InterruptShadow.MovSs;
    unit.afterInsn(true);
    cpu.rflags &= ~RFLAGS.TF; // vectoring clears TF
    assert.equal(unit.interceptException(1, EventKind.Software), false);
    cpu.shadow = 0;
    assert.deepEqual(
      outcome(() => unit.beforeInsn(0x8000, false)),
      new Raised(1, -1),
    );
    unit.interceptException(1, EventKind.Exception);
    assert.equal(unit.readDr(6), 0xffff4ff0);
  });
  it('USE_HW_BP owns #DB: the guest TF step exits to the host with BS', () => {
    const { cpu, unit } = setup();
    unit.setGuestDebug(dbg(GuestDbg.Enable | GuestDbg.UseHwBp, { 7: 0x400n }));
    cpu.rflags |= RFLAGS.TF;
    unit.beforeInsn(0x1000, false);
    cpu.rip = 0x1001;
    assert.equal(
      outcome(() => unit.afterInsn(true)),
      'exit',
    );
    assert.deepEqual(unit.exitArch, { exception: 1, pc: 0x1001n, dr6: 0xffff4ff0n, dr7: 0x400n });
    assert.equal(unit.readDr(6), 0xffff0ff0, 'the guest DR6 is not touched by a host exit');
  });
});

describe('soft breakpoints (beyond KVM)', () => {
  it('exec: exits before the instruction, no DR slot, resuming at it does not re-trigger', () => {
    const { cpu, unit } = setup();
    unit.setSoftBreakpoints({ exec: [0x3000n, 0x1000n] });
    assert.equal(unit.active, true);
    assert.equal(
      outcome(() => unit.beforeInsn(0x1000, false)),
      'exit',
    );
    assert.equal(cpu.exitKind, PENDING_EXIT_DEBUG);
    assert.deepEqual(unit.exitArch, {
      exception: 1,
      pc: 0x1000n,
      dr6: 0xffff0ff0n | SOFT_EXEC | (1n << SOFT_INDEX_SHIFT),
      dr7: 0x400n,
    });
    assert.equal(
      outcome(() => unit.beforeInsn(0x1000, false)),
      undefined,
    );
    assert.equal(
      outcome(() => unit.beforeInsn(0x1000, false)),
      'exit',
    );
    unit.setSoftBreakpoints({});
    assert.equal(unit.active, false);
  });
  it('watch: read-only watchpoints, trap after the access, the access address reported', () => {
    const { cpu, unit } = setup();
    unit.setSoftBreakpoints({ watch: [{ addr: 0x7000n, len: 3, kind: 'r' }] });
    assert.equal(unit.watchActive, true);
    assert.equal(unit.watchesPage(0x7fff), true);
    unit.beforeInsn(0x1000, false);
    unit.dataAccess(0x7000, 4, true);
    cpu.rip = 0x1004;
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      undefined,
    );
    unit.beforeInsn(0x1004, false);
    unit.dataAccess(0x6ffe, 4, false);
    cpu.rip = 0x1008;
    assert.equal(
      outcome(() => unit.afterInsn(false)),
      'exit',
    );
    assert.equal(unit.exitArch.pc, 0x1008n);
    assert.equal(unit.exitArch.dr6, 0xffff0ff0n | SOFT_WATCH);
    assert.equal(unit.exitArch.dr6 & SOFT_WRITE, 0n);
    assert.equal(unit.softHitAddress, 0x6ffen);
  });
});
