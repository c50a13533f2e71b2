// The emu debug unit under whole guests:
//   - guests/debug_unit.elf (kvm-unit-tests x86/debug.c scenarios) passes, including its "strict" checks,
//     where QEMU TCG departs from hardware and emu must not;
//   - soft breakpoints (beyond KVM): a breakpoint set on code before the guest writes it still hits, any
//     number of them, with no DR slot used and no guest byte changed; read-only and write watchpoints;
//   - host single-step never leaks TF into the guest's view: pushf and an exception frame show TF = 0.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/build-guests.js';
import type { EmuVcpu } from '../../../src/backends/emu/vcpu.js';
import {
  type DebugExitArch,
  GuestDbg,
  openHypervisor,
  SOFT_EXEC,
  SOFT_INDEX_SHIFT,
  SOFT_WATCH,
  SOFT_WRITE,
} from '../../../src/index.js';
import { type PreparedGuest, prepareGuest } from '../../../src/machine/boot/prepare.js';
import { type RunStop, runUntilStop } from '../../../src/machine/threads/run-to-end.js';
import { RFLAGS } from '../../../src/x86/control-regs.js';

const RAM = 64 << 20;
const TIMEOUT_MS = 60_000;
const guestPath = (name: string): string => join(repoRoot(), 'guests', `${name}.elf`);

interface Guest extends PreparedGuest {
  vcpu: EmuVcpu;
  serial: () => string;
  sym: (name: string) => bigint;
}

function boot(name: string, cmdline?: string): Guest {
  let out = '';
  const g = prepareGuest({
    hypervisor: openHypervisor({ backend: 'emu' }),
    imagePath: guestPath(name),
    memoryBytes: RAM,
    cmdline,
    serial: (b: Uint8Array) => {
      out += Buffer.from(b).toString('latin1');
    },
  });
  return {
    ...g,
    vcpu: g.vcpu as EmuVcpu,
    serial: () => out,
    sym: (s: string) => {
      const v = g.image.symbols.get(s);
      assert.ok(v !== undefined, `${name}.elf: no symbol ${s}`);
      return v;
    },
  };
}

const run = (g: Guest): RunStop => runUntilStop(g.vcpu, g.bus, { timeoutMs: TIMEOUT_MS });

function debugStop(g: Guest, what: string): DebugExitArch {
  const s = run(g);
  assert.equal(
    s.kind,
    'debug',
    `${what}: ${JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`,
  );
  return (s as { kind: 'debug'; debug: DebugExitArch }).debug;
}

function endValue(s: RunStop): number | undefined {
  return s.kind === 'end' && s.end.kind === 'debug-exit' ? s.end.value : undefined;
}

/** Guest RAM bytes at a linear address (the guests identity-map their first GiB). */
function ramAt(g: Guest, la: bigint, len: number): Uint8Array {
  return g.ram.slice(Number(la), Number(la) + len);
}

describe('debug_unit.elf on emu', () => {
  it('passes every check QEMU also runs', () => {
    const g = boot('debug_unit');
    assert.equal(endValue(run(g)), 0x30, g.serial());
    assert.equal((g.serial().match(/^PASS: /gm) ?? []).length, 26, g.serial());
    assert.match(g.serial(), /debug_unit: 0 failures\n$/);
  });

  it('passes the strict checks (STI, ICEBP, DR7.GD, I/O breakpoint, MOV SS + watchpoint + ICEBP / INT 1 / INT3)', () => {
    const g = boot('debug_unit', 'strict');
    assert.equal(endValue(run(g)), 0x30, g.serial());
    assert.equal((g.serial().match(/^PASS: /gm) ?? []).length, 43, g.serial());
    assert.doesNotMatch(g.serial(), /FAIL/);
  });
});

describe('soft breakpoints (Cap.GuestdbgSoftExecBp / GuestdbgSoftWatch)', () => {
  it('hit code the guest copies after they were set, with no patching and no DR slot', () => {
    const g = boot('debug_copy');
    const dest = g.sym('copy_dest');
    const len = Number(g.sym('payload_end') - g.sym('payload'));
    // Six execution breakpoints (more than the four DR slots); `payload` itself never runs.
    const exec = [dest, dest + 5n, dest + 13n, g.sym('copied'), g.sym('read_watched'), g.sym('payload')];
    const watch = [
      { addr: g.sym('counter'), len: 8, kind: 'w' as const },
      { addr: g.sym('watched'), len: 8, kind: 'r' as const },
    ];
    g.vcpu.setSoftBreakpoints({ exec, watch });
    const seen: string[] = [];
    const guestDrs = g.vcpu.getDebugRegs();
    for (let i = 0; i < 40; i++) {
      const s = run(g);
      if (s.kind === 'end') {
        assert.equal(endValue(s), 0x21, JSON.stringify(s));
        break;
      }
      const d = s.debug;
      assert.equal(d.exception, 1);
      assert.equal(d.dr6 & 0xffffffffn, 0xffff0ff0n, 'the architectural half of dr6 has no B0-B3');
      const idx = Number(d.dr6 >> SOFT_INDEX_SHIFT);
      if ((d.dr6 & SOFT_EXEC) !== 0n) {
        assert.equal(d.pc, exec[idx], 'pc = the breakpoint address');
        seen.push(`x${idx}`);
        if (exec[idx] === dest) {
          // The code at the breakpoint is the guest's copy, byte for byte: nothing was patched.
          assert.deepEqual(ramAt(g, dest, len), ramAt(g, g.sym('payload'), len));
        }
      } else {
        assert.notEqual(d.dr6 & SOFT_WATCH, 0n, `unexpected dr6 0x${d.dr6.toString(16)}`);
        const write = (d.dr6 & SOFT_WRITE) !== 0n;
        seen.push(`${write ? 'w' : 'r'}${idx}`);
        assert.equal(g.vcpu.softHitAddress(), watch[idx]!.addr);
        // Trap-like: pc is the instruction after the access.
        if (idx === 0) assert.equal(d.pc, dest + 13n);
        else assert.equal(d.pc, g.sym('read_watched') + 7n);
      }
    }
    const call = ['x0', 'x1', 'w0', 'x2'];
    assert.deepEqual(seen, ['x3', ...call, ...call, ...call, 'x4', 'r1']);
    assert.deepEqual(g.vcpu.getDebugRegs(), guestDrs, 'no DR slot used');
    assert.equal(g.serial(), 'debug_copy: copied 14 bytes\ndebug_copy: results 7 10 13 counter=3 watched=42\n');
  });

  it('an empty set disarms everything', () => {
    const g = boot('debug_copy');
    g.vcpu.setSoftBreakpoints({ exec: [g.sym('copy_dest')] });
    g.vcpu.setSoftBreakpoints({});
    assert.equal(endValue(run(g)), 0x21);
  });
});

describe('host single-step does not leak TF', () => {
  it('pushf under SINGLESTEP pushes the guest TF (0), and RFLAGS reads TF = 0', () => {
    const g = boot('debug_unit');
    const pushf = g.sym('ss_basic');
    g.vcpu.setSoftBreakpoints({ exec: [pushf] });
    const d = debugStop(g, 'to ss_basic');
    assert.equal(d.pc, pushf);
    g.vcpu.setSoftBreakpoints({});
    g.vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.SingleStep,
      debugreg: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x400n],
    });
    const s = debugStop(g, 'step over pushfq');
    assert.deepEqual(s, { exception: 1, pc: pushf + 1n, dr6: 0xffff4ff0n, dr7: 0x400n });
    const regs = g.vcpu.getRegs();
    assert.equal(regs.rflags & BigInt(RFLAGS.TF), 0n, 'RFLAGS.TF as the API reports it');
    const pushed = new DataView(ramAt(g, regs.rsp, 8).buffer).getBigUint64(0, true);
    assert.equal(pushed & BigInt(RFLAGS.TF), 0n, `the pushed RFLAGS 0x${pushed.toString(16)} has TF = 0`);
  });

  it('stepping a faulting instruction ends at the handler entry, the frame pointing at the fault', () => {
    const g = boot('exceptions');
    for (const [fault, handler] of [
      ['de_fault', 'isr_0'],
      ['ud_fault', 'isr_6'],
    ] as const) {
      g.vcpu.setSoftBreakpoints({ exec: [g.sym(fault)] });
      g.vcpu.setGuestDebug({ control: 0, debugreg: [] });
      assert.equal(debugStop(g, `to ${fault}`).pc, g.sym(fault));
      g.vcpu.setSoftBreakpoints({});
      g.vcpu.setGuestDebug({
        control: GuestDbg.Enable | GuestDbg.SingleStep,
        debugreg: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x400n],
      });
      const s = debugStop(g, `step ${fault}`);
      assert.deepEqual(s, { exception: 1, pc: g.sym(handler), dr6: 0xffff4ff0n, dr7: 0x400n }, fault);
      const regs = g.vcpu.getRegs();
      const frame = new DataView(ramAt(g, regs.rsp, 24).buffer);
      assert.equal(frame.getBigUint64(0, true), g.sym(fault), `${fault}: a fault returns to the instruction`);
      assert.equal(frame.getBigUint64(16, true) & BigInt(RFLAGS.TF), 0n, `${fault}: no TF in the frame`);
    }
    g.vcpu.setGuestDebug({ control: 0, debugreg: [] });
    assert.equal(endValue(run(g)), 0x15, g.serial());
  });

  it('an exception frame pushed while stepping (int3 into the guest handler) has TF = 0', () => {
    const g = boot('debug_unit');
    const int3 = g.sym('sw_bp') - 1n; // `int3; sw_bp:`
    g.vcpu.setSoftBreakpoints({ exec: [int3] });
    assert.equal(debugStop(g, 'to the int3').pc, int3);
    g.vcpu.setSoftBreakpoints({});
    g.vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.SingleStep,
      debugreg: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x400n],
    });
    const s = debugStop(g, 'step the int3');
    // The step ends at the first instruction of the #BP handler, with the frame on the stack.
    const regs = g.vcpu.getRegs();
    assert.equal(s.pc, regs.rip);
    assert.equal(s.dr6, 0xffff4ff0n);
    const frame = new DataView(ramAt(g, regs.rsp, 40).buffer);
    assert.equal(frame.getBigUint64(0, true), g.sym('sw_bp'), 'return address after the int3');
    const flags = frame.getBigUint64(16, true);
    assert.equal(flags & BigInt(RFLAGS.TF), 0n, `the frame's RFLAGS 0x${flags.toString(16)} has TF = 0`);
    // Stepping on to the end: debugging off, the guest finishes normally.
    g.vcpu.setGuestDebug({ control: 0, debugreg: [] });
    assert.equal(endValue(run(g)), 0x30, g.serial());
  });
});
