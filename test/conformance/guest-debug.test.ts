// The KVM guest-debug interface, written once against the API and run on every backend that can be opened
// (docs/guest-debug.md is the specification of every value checked here):
//   - the six steps of the KVM selftest debug_regs scenario on guests/debug_regs.elf, bit-exact;
//   - INJECT_DB / INJECT_BP, unknown control bits accepted (x86 KVM checks none), EBUSY for an inject over a pending exception;
//   - re-injection: with ENABLE alone the guest's own #BP handler takes its int3, and a guest that debugs
//     itself (guests/debug_unit.elf: its own TF, DR0-7, int3) gets every #DB/#BP in its own handler.
// The kvm backend is skipped, loudly, when /dev/kvm cannot be opened; on kvm a case whose feature the
// capability probe (src/machine/probe/probe.ts) finds not working is skipped with the probe's observation.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import {
  type BackendName,
  type DebugExitArch,
  GUESTDBG_VALID_MASK,
  GuestDbg,
  type Hypervisor,
  KvmError,
  openHypervisor,
  type Vcpu,
} from '../../src/index.js';
import { type PreparedGuest, prepareGuest } from '../../src/machine/boot/prepare.js';
import { probeGuestDebug } from '../../src/machine/probe/probe.js';
import { type RunStop, runUntilStop } from '../../src/machine/threads/run-to-end.js';
import { Vector } from '../../src/x86/vectors.js';

const GUEST_RAM = 64 << 20;
const STEP_TIMEOUT_MS = 30_000;
const DEBUG_REGS = join(repoRoot(), 'guests', 'debug_regs.elf');
const DEBUG_UNIT = join(repoRoot(), 'guests', 'debug_unit.elf');
/** ss_start: sti (1), xor %eax,%eax (2), cpuid (2), movl $0x1a0,%ecx (5), rdmsr (2). */
const SS_SIZES = [1, 2, 2, 5, 2];
/** `mov %rax, value(%rip)`: 7 bytes (the selftest rolls back over it with rip -= 7). */
const STORE_LEN = 7n;
const DR6_FIXED = 0xffff0ff0n;

interface Backend {
  name: BackendName;
  hv?: Hypervisor;
  /** Why the backend cannot run here. */
  unavailable?: string;
  /** Probe features found not working (kvm only): feature -> what the probe observed. */
  broken: Map<string, string>;
}

function openBackend(name: BackendName): Backend {
  try {
    return { name, hv: openHypervisor({ backend: name }), broken: new Map() };
  } catch (e) {
    return { name, unavailable: e instanceof Error ? e.message : String(e), broken: new Map() };
  }
}

/** Skips the test (with the reason) when the backend is missing or the probe found a feature broken. */
function skipped(t: TestContext, b: Backend, features: readonly string[] = []): boolean {
  if (b.unavailable !== undefined) {
    t.skip(`${b.name} backend unavailable: ${b.unavailable}`);
    return true;
  }
  for (const f of features) {
    const why = b.broken.get(f);
    if (why !== undefined) {
      t.skip(`${b.name}: the capability probe found ${f} not working (${why})`);
      return true;
    }
  }
  return false;
}

interface Guest extends PreparedGuest {
  serial: () => string;
  sym: (name: string) => bigint;
}

function boot(hv: Hypervisor, imagePath: string, cmdline?: string): Guest {
  let out = '';
  const g = prepareGuest({
    hypervisor: hv,
    imagePath,
    memoryBytes: GUEST_RAM,
    cmdline,
    serial: (bytes: Uint8Array) => {
      out += Buffer.from(bytes).toString('latin1');
    },
  });
  return {
    ...g,
    serial: () => out,
    sym: (name: string) => {
      const v = g.image.symbols.get(name);
      assert.ok(v !== undefined, `${imagePath}: symbol ${name} missing`);
      return v;
    },
  };
}

function run(g: Guest): RunStop {
  return runUntilStop(g.vcpu, g.bus, { timeoutMs: STEP_TIMEOUT_MS });
}

function runToDebug(g: Guest, what: string): DebugExitArch {
  const stop = run(g);
  assert.equal(stop.kind, 'debug', `${what}: expected KVM_EXIT_DEBUG, the guest ended: ${JSON.stringify(stop, big)}`);
  return (stop as { kind: 'debug'; debug: DebugExitArch }).debug;
}

function runToEnd(g: Guest): RunStop {
  return run(g);
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `0x${v.toString(16)}` : v;
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function expectDebug(d: DebugExitArch, exception: number, pc: bigint, dr6: bigint | undefined, what: string): void {
  const got = `exception ${d.exception} pc ${hex(d.pc)} dr6 ${hex(d.dr6)} dr7 ${hex(d.dr7)}`;
  assert.equal(d.exception, exception, `${what}: exception (${got})`);
  assert.equal(d.pc, pc, `${what}: pc, want ${hex(pc)} (${got})`);
  if (dr6 !== undefined) assert.equal(d.dr6, dr6, `${what}: dr6, want ${hex(dr6)} (${got})`);
}

function setDebug(vcpu: Vcpu, control: number, regs: Partial<Record<number, bigint>> = {}): void {
  vcpu.setGuestDebug({ control, debugreg: Array.from({ length: 8 }, (_, i) => regs[i] ?? 0n) });
}

/** A stop at `addr` with an exec breakpoint in DR0 (the caller has checked that the probe found it working). */
function stopAt(g: Guest, addr: bigint): void {
  setDebug(g.vcpu, GuestDbg.Enable | GuestDbg.UseHwBp, { 0: addr, 7: 0x402n });
  expectDebug(runToDebug(g, `run to ${hex(addr)}`), Vector.DB, addr, undefined, `run to ${hex(addr)}`);
}

function setRip(vcpu: Vcpu, rip: bigint): void {
  vcpu.setRegs({ ...vcpu.getRegs(), rip });
}

function addRip(vcpu: Vcpu, delta: bigint): void {
  setRip(vcpu, vcpu.getRegs().rip + delta);
}

function endedWith(stop: RunStop, value: number, what: string): void {
  assert.equal(stop.kind, 'end', `${what}: ${JSON.stringify(stop, big)}`);
  const end = (stop as { kind: 'end'; end: { kind: string; value?: number } }).end;
  assert.deepEqual(
    { kind: end.kind, value: end.value },
    { kind: 'debug-exit', value },
    `${what}: ${JSON.stringify(end, big)}`,
  );
}

for (const name of ['emu', 'kvm'] as const) {
  describe(`guest debug conformance on ${name}`, () => {
    const b = openBackend(name);

    before(async () => {
      if (b.hv === undefined || name === 'emu') return;
      try {
        for (const r of await probeGuestDebug(b.hv)) if (!r.works) b.broken.set(r.feature, r.detail);
      } catch (e) {
        b.unavailable = `the capability probe failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    });
    after(() => b.hv?.close());

    it('advertises KVM_CAP_SET_GUEST_DEBUG = 1 and the valid mask 0x1F0003', (t) => {
      if (skipped(t, b)) return;
      const hv = b.hv!;
      assert.equal(hv.checkExtension(23), 1);
      assert.equal(hv.checkExtension(195), GUESTDBG_VALID_MASK);
      assert.equal(GUESTDBG_VALID_MASK, 0x1f0003);
    });

    describe('the selftest debug_regs scenario', () => {
      let g: Guest | undefined;
      const guest = (): Guest => {
        g ??= boot(b.hv!, DEBUG_REGS);
        return g;
      };
      after(() => g?.vm.close());
      /** Set when a step could neither run nor be passed over: the steps after it skip with this reason. */
      let lost: string | undefined;
      const skippedHere = (t: TestContext, features: readonly string[] = []): boolean => {
        if (skipped(t, b, features)) return true;
        if (lost === undefined) return false;
        t.skip(lost);
        return true;
      };

      it('1. USE_SW_BP: int3 exits with exception 3, pc = the int3 (rip still on it)', (t) => {
        if (skippedHere(t)) return;
        const gg = guest();
        const swBroken = b.broken.get('USE_SW_BP');
        if (swBroken !== undefined) {
          const why = `${name}: the capability probe found USE_SW_BP not working (${swBroken})`;
          const hwBroken = b.broken.get('USE_HW_BP exec DR0');
          if (hwBroken !== undefined) lost = `${why}, nor exec breakpoints to pass over it (${hwBroken})`;
          else {
            // Keep the sequence: stop at the int3 with an exec breakpoint, then skip the step.
            stopAt(gg, gg.sym('sw_bp'));
            setRip(gg.vcpu, gg.sym('hw_bp'));
          }
          t.skip(why);
          return;
        }
        setDebug(gg.vcpu, GuestDbg.Enable | GuestDbg.UseSwBp);
        const d = runToDebug(gg, 'sw_bp');
        expectDebug(d, Vector.BP, gg.sym('sw_bp'), undefined, 'sw_bp');
        assert.equal(gg.vcpu.getRegs().rip, gg.sym('sw_bp'), 'rip stays on the int3');
        assert.equal(gg.serial(), 'debug_regs: start\n');
        addRip(gg.vcpu, 1n);
      });

      for (let i = 0; i < 4; i++) {
        it(`2. USE_HW_BP exec breakpoint on DR${i}: pc = hw_bp, dr6 = 0xffff0ff0 | B${i}, re-triggers`, (t) => {
          if (skippedHere(t, [`USE_HW_BP exec DR${i}`])) return;
          const gg = guest();
          const dr7 = 0x400n | (1n << BigInt(2 * i + 1));
          setDebug(gg.vcpu, GuestDbg.Enable | GuestDbg.UseHwBp, { [i]: gg.sym('hw_bp'), 7: dr7 });
          const want = DR6_FIXED | (1n << BigInt(i));
          expectDebug(runToDebug(gg, `hw_bp DR${i}`), Vector.DB, gg.sym('hw_bp'), want, `hw_bp DR${i}`);
          // No RF magic for host breakpoints: running again hits it again at once.
          expectDebug(runToDebug(gg, `hw_bp DR${i} again`), Vector.DB, gg.sym('hw_bp'), want, `hw_bp DR${i} again`);
        });
      }

      it('2. (skip the nop)', (t) => {
        if (skippedHere(t)) return;
        setRip(guest().vcpu, guest().sym('hw_bp') + 1n);
      });

      for (let i = 0; i < 4; i++) {
        it(`3. USE_HW_BP 4-byte write watchpoint on DR${i}: trap, pc = write_data, dr6 = 0xffff0ff0 | B${i}`, (t) => {
          if (skippedHere(t, ['USE_HW_BP write watchpoint'])) return;
          const gg = guest();
          const dr7 = 0x400n | (1n << BigInt(2 * i + 1)) | (0xd0000n << BigInt(4 * i));
          setDebug(gg.vcpu, GuestDbg.Enable | GuestDbg.UseHwBp, { [i]: gg.sym('value'), 7: dr7 });
          const d = runToDebug(gg, `watch DR${i}`);
          expectDebug(d, Vector.DB, gg.sym('write_data'), DR6_FIXED | (1n << BigInt(i)), `watch DR${i}`);
          // Roll back over the store so the next slot sees it again.
          addRip(gg.vcpu, -STORE_LEN);
        });
      }

      it('3. (skip the store)', (t) => {
        if (skippedHere(t)) return;
        const gg = guest();
        if (!b.broken.has('USE_HW_BP write watchpoint')) {
          setRip(gg.vcpu, gg.sym('write_data'));
          return;
        }
        // The watchpoint steps were skipped: let the store run, stopping after it with an exec breakpoint.
        const hwBroken = b.broken.get('USE_HW_BP exec DR0');
        if (hwBroken !== undefined) {
          lost = `${name}: neither watchpoints nor exec breakpoints work here (${hwBroken})`;
          t.skip(lost);
          return;
        }
        stopAt(gg, gg.sym('write_data'));
      });

      it('4. SINGLESTEP|BLOCKIRQ: one instruction per run, pc = next, dr6 = 0xffff4ff0, no interrupt', (t) => {
        if (skippedHere(t, ['SINGLESTEP', 'SINGLESTEP over STI', 'BLOCKIRQ'])) return;
        const gg = guest();
        assert.equal(gg.vcpu.getRegs().rip, gg.sym('ss_start'));
        // `sti` opens the interrupt window while stepping; BLOCKIRQ keeps KVM from injecting into it. (No
        // KVM_INTERRUPT here: without an in-kernel irqchip KVM injects it at the next entry, IF and BLOCKIRQ
        // notwithstanding; the capability probe tests BLOCKIRQ with a pending NMI.)
        let pc = gg.sym('ss_start');
        for (const size of SS_SIZES) {
          pc += BigInt(size);
          setDebug(gg.vcpu, GuestDbg.Enable | GuestDbg.SingleStep | GuestDbg.BlockIrq, { 7: 0x400n });
          expectDebug(runToDebug(gg, `step to ${hex(pc)}`), Vector.DB, pc, 0xffff4ff0n, `step to ${hex(pc)}`);
        }
        assert.equal(gg.vcpu.getRegs().rip, gg.sym('bd_start') - 1n, 'the last step stops before cli');
      });

      it('5. USE_HW_BP with DR7.GD: mov %dr0 exits before executing, pc = bd_start, dr6 = 0xffff2ff0', (t) => {
        if (skippedHere(t, ['USE_HW_BP DR7.GD'])) return;
        const gg = guest();
        setDebug(gg.vcpu, GuestDbg.Enable | GuestDbg.UseHwBp, { 7: 0x2400n });
        const d = runToDebug(gg, 'bd_start');
        expectDebug(d, Vector.DB, gg.sym('bd_start'), 0xffff2ff0n, 'bd_start');
        // dr7 in the exit block is the DR7 in effect (vmx.c handle_dr writes it; docs/guest-debug.md, KVM_EXIT_DEBUG).
        assert.equal(d.dr7, 0x2400n, 'dr7 = the host DR7 in effect');
      });

      it('6. control = 0: the guest runs to its end', (t) => {
        if (skippedHere(t)) return;
        const gg = guest();
        setDebug(gg.vcpu, 0);
        endedWith(runToEnd(gg), 0x20, 'run to the end');
        // The host took (or skipped) the int3: no guest #BP, no #DB, no interrupt.
        assert.equal(gg.serial(), 'debug_regs: start\ndebug_regs: value=1234 #BP=0 #DB=0 irq=0\n');
      });
    });

    describe('injection and control validation', () => {
      /** A debug_regs guest stopped on its int3 (its IDT is set up by then): by USE_SW_BP, or by a hardware
       *  breakpoint on DR0 (rip on the int3 either way). */
      function atSwBp(t: TestContext, how: 'sw' | 'hw'): Guest | undefined {
        if (skipped(t, b, [how === 'sw' ? 'USE_SW_BP' : 'USE_HW_BP exec DR0'])) return undefined;
        const g = boot(b.hv!, DEBUG_REGS);
        if (how === 'sw') {
          setDebug(g.vcpu, GuestDbg.Enable | GuestDbg.UseSwBp);
          expectDebug(runToDebug(g, 'sw_bp'), Vector.BP, g.sym('sw_bp'), undefined, 'sw_bp');
        } else {
          setDebug(g.vcpu, GuestDbg.Enable | GuestDbg.UseHwBp, { 0: g.sym('sw_bp'), 7: 0x402n });
          expectDebug(runToDebug(g, 'sw_bp'), Vector.DB, g.sym('sw_bp'), DR6_FIXED | 1n, 'sw_bp');
        }
        return g;
      }

      it('control bits outside the valid mask are accepted and change nothing (x86 KVM checks none)', (t) => {
        if (skipped(t, b, ['SINGLESTEP'])) return;
        const g = boot(b.hv!, DEBUG_REGS);
        try {
          // The xor after ss_start's sti (2 bytes, registers only) is stepped again under each control value.
          const xorAt = g.sym('ss_start') + BigInt(SS_SIZES[0]!);
          for (const bad of [0x4, 0x8000, 0x200000, 0x80000000]) {
            const control = GuestDbg.Enable | GuestDbg.SingleStep | bad;
            setRip(g.vcpu, xorAt);
            setDebug(g.vcpu, control);
            const what = `control 0x${(control >>> 0).toString(16)}`;
            expectDebug(runToDebug(g, what), Vector.DB, xorAt + BigInt(SS_SIZES[1]!), DR6_FIXED | 0x4000n, what);
          }
        } finally {
          g.vm.close();
        }
      });

      it('INJECT_DB: the guest #DB handler runs; EBUSY while it is still pending', (t) => {
        if (skipped(t, b, ['INJECT_DB'])) return;
        const g = atSwBp(t, 'hw');
        if (g === undefined) return;
        try {
          setDebug(g.vcpu, GuestDbg.InjectDb);
          assert.throws(
            () => setDebug(g.vcpu, GuestDbg.InjectBp),
            (e: unknown) => e instanceof KvmError && e.errno === 'EBUSY',
            'inject over a pending exception',
          );
          // Debugging is off now (no ENABLE): the #DB is delivered, then the int3 runs natively.
          endedWith(runToEnd(g), 0x20, 'INJECT_DB run');
          assert.equal(g.serial(), 'debug_regs: start\ndebug_regs: value=1234 #BP=1 #DB=1 irq=0\n');
        } finally {
          g.vm.close();
        }
      });

      it('INJECT_BP: re-injecting an intercepted int3 runs the guest handler as if it had executed', (t) => {
        if (skipped(t, b, ['INJECT_BP'])) return;
        const g = atSwBp(t, 'sw');
        if (g === undefined) return;
        try {
          setDebug(g.vcpu, GuestDbg.Enable | GuestDbg.UseSwBp | GuestDbg.InjectBp);
          endedWith(runToEnd(g), 0x20, 'INJECT_BP run');
          assert.equal(g.serial(), 'debug_regs: start\ndebug_regs: value=1234 #BP=1 #DB=0 irq=0\n');
        } finally {
          g.vm.close();
        }
      });
    });

    describe('re-injection: what the host does not own reaches the guest', () => {
      it('ENABLE without USE_SW_BP: the guest own int3 handler runs', (t) => {
        if (skipped(t, b)) return;
        const g = boot(b.hv!, DEBUG_REGS);
        try {
          setDebug(g.vcpu, GuestDbg.Enable);
          endedWith(runToEnd(g), 0x20, 'run');
          assert.equal(g.serial(), 'debug_regs: start\ndebug_regs: value=1234 #BP=1 #DB=0 irq=0\n');
        } finally {
          g.vm.close();
        }
      });

      it('ENABLE: a guest debugging itself (TF, DR0-7, int3) gets every #DB/#BP (debug_unit.elf)', (t) => {
        // The guest's own DR0-3 breakpoints need the same debug-register hardware as the host's.
        if (
          skipped(
            t,
            b,
            [0, 1, 2, 3].map((i) => `USE_HW_BP exec DR${i}`),
          )
        )
          return;
        const g = boot(b.hv!, DEBUG_UNIT);
        try {
          setDebug(g.vcpu, GuestDbg.Enable);
          endedWith(runToEnd(g), 0x30, `debug_unit run; serial:\n${g.serial()}`);
          assert.match(g.serial(), /debug_unit: 0 failures\n$/);
          assert.doesNotMatch(g.serial(), /FAIL/);
        } finally {
          g.vm.close();
        }
      });
    });
  });
}
