// `guestdbg demo` (npm start): a guided tour of the guest-debug interface on guests/demo.elf:
// hardware breakpoint, single-steps, write watchpoint, software breakpoint, then the guest runs to its end.

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendName, GuestDbg, GuestImageError, type Hypervisor } from '../abi/index.js';
import { openHypervisor } from '../index.js';
import { type PreparedGuest, prepareGuest } from '../machine/boot/prepare.js';
import { SerialCapture } from '../machine/devices/serial-sink.js';
import { describeEnd, type GuestEnd } from '../machine/guest-end.js';
import { GuestMemory, UnmappedAddressError } from '../machine/guest-memory.js';
import { type RunStop, runToEnd, runUntilStop } from '../machine/threads/run-to-end.js';
import { Watchdog } from '../machine/threads/watchdog.js';
import { DR7_FIXED_1, Dr7Rw, dr7Slot } from '../x86/debug-regs.js';
import { formatDebugEvent } from './debug-event.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';

/** dist/src/cli/demo.js, or a chunk of the bundle in dist/bundle/cli/ (as deep) → <package>/guests/demo.elf */
export const DEMO_IMAGE = fileURLToPath(new URL('../../../guests/demo.elf', import.meta.url));
const DEMO_MEMORY_BYTES = 64 << 20;
/** Generous: the emulator runs the whole demo in well under a second. */
const RUN_TIMEOUT_MS = 30_000;
const STEPS = 8;
const INT3 = 0xcc;
/** Watch/breakpoint events to show before letting the guest go. */
const MAX_PHASE_EVENTS = 6;

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

interface Demo {
  g: PreparedGuest;
  watchdog: Watchdog;
  serial: SerialCapture;
}

function symbol(g: PreparedGuest, name: string): bigint {
  const v = g.image.symbols.get(name);
  if (v === undefined)
    throw new GuestImageError(DEMO_IMAGE, `has no symbol '${name}'; rebuild it with npm run build:guests`);
  return v;
}

function run(d: Demo): RunStop {
  return runUntilStop(d.g.vcpu, d.g.bus, { timeoutMs: RUN_TIMEOUT_MS, watchdog: d.watchdog });
}

function debugregs(dr7: bigint, dr0 = 0n): bigint[] {
  return [dr0, 0n, 0n, 0n, 0n, 0n, 0n, dr7];
}

/** LEN for a watchpoint on a naturally aligned variable. */
function watchLen(addr: bigint): 1 | 2 | 4 | 8 {
  return addr % 8n === 0n ? 8 : addr % 4n === 0n ? 4 : addr % 2n === 0n ? 2 : 1;
}

/** Returns the guest's end if it ended early, so the tour can say so. */
function tour(d: Demo): GuestEnd | undefined {
  const { vcpu, ram, image } = d.g;
  const memory = new GuestMemory(d.g.vm);
  const loop = symbol(d.g, 'demo_loop');
  const counter = symbol(d.g, 'counter');
  const func = symbol(d.g, 'demo_func');

  out(`1. hardware breakpoint: KVM_GUESTDBG_USE_HW_BP with DR0 = demo_loop (${hex(loop)})`);
  vcpu.setGuestDebug({
    control: GuestDbg.Enable | GuestDbg.UseHwBp,
    debugreg: debugregs(DR7_FIXED_1 | BigInt(dr7Slot(0, Dr7Rw.Exec, 1)), loop),
  });
  let stop = run(d);
  if (stop.kind === 'end') return stop.end;
  out(formatDebugEvent('breakpoint', stop.debug, vcpu, memory, image));

  out(`2. single-step: KVM_GUESTDBG_SINGLESTEP, ${STEPS} instructions (each exit reports the next pc)`);
  vcpu.setGuestDebug({ control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: debugregs(DR7_FIXED_1) });
  for (let i = 1; i <= STEPS; i++) {
    stop = run(d);
    if (stop.kind === 'end') return stop.end;
    out(formatDebugEvent(`step ${i}`, stop.debug, vcpu, memory, image));
  }

  const len = watchLen(counter);
  let funcPhys: number;
  try {
    funcPhys = Number(memory.translate(vcpu, func));
  } catch (e) {
    if (!(e instanceof UnmappedAddressError)) throw e;
    throw new GuestImageError(DEMO_IMAGE, `demo_func ${hex(func)} is not mapped; rebuild the demo`);
  }
  out(
    `3. write watchpoint on counter (${hex(counter)}, DR0 RW=01 LEN=${len}) and a software breakpoint at demo_func ` +
      `(${hex(func)}: int3 patched in, KVM_GUESTDBG_USE_SW_BP)`,
  );
  const original = ram[funcPhys]!;
  ram[funcPhys] = INT3;
  vcpu.setGuestDebug({
    control: GuestDbg.Enable | GuestDbg.UseHwBp | GuestDbg.UseSwBp,
    debugreg: debugregs(DR7_FIXED_1 | BigInt(dr7Slot(0, Dr7Rw.Write, len)), counter),
  });
  try {
    for (let i = 0; i < MAX_PHASE_EVENTS; i++) {
      stop = run(d);
      if (stop.kind === 'end') return stop.end;
      const isBp = stop.debug.pc === func && ram[funcPhys] === INT3;
      out(formatDebugEvent(isBp ? 'sw breakpoint' : 'watchpoint', stop.debug, vcpu, memory, image));
      if (isBp) {
        // KVM reports #BP with rip still at the int3: put the byte back and resume at the same rip.
        ram[funcPhys] = original;
        vcpu.setRegs({ ...vcpu.getRegs(), rip: stop.debug.pc });
        out(
          `  ${''.padEnd(14)} restored the original byte ${hex(original)} at demo_func; rip stays ${hex(stop.debug.pc)}`,
        );
        break;
      }
    }
  } finally {
    ram[funcPhys] = original;
  }
  return undefined;
}

export async function demoCommand(backend: BackendName): Promise<number> {
  const hv: Hypervisor = openHypervisor({ backend: backend });
  const serial = new SerialCapture();
  const watchdog = new Watchdog();
  try {
    const g = prepareGuest({
      hypervisor: hv,
      imagePath: DEMO_IMAGE,
      memoryBytes: DEMO_MEMORY_BYTES,
      serial: serial.write,
    });
    try {
      out(
        `guestdbg demo: ${relative(process.cwd(), DEMO_IMAGE)} on the ${backend} backend, ${DEMO_MEMORY_BYTES >> 20} MiB RAM, PVH entry ${hex(g.image.entry)}`,
      );
      const early = tour({ g, watchdog, serial });
      if (early) out(`the guest ended before the tour finished: ${describeEnd(early)}`);
      else {
        out('4. debugging off (KVM_SET_GUEST_DEBUG control = 0); the guest runs to its end');
        g.vcpu.setGuestDebug({ control: 0, debugreg: debugregs(0n) });
      }
      const end = early ?? runToEnd(g.vcpu, g.bus, { timeoutMs: RUN_TIMEOUT_MS, watchdog });
      out('guest serial output:');
      for (const line of serial
        .text()
        .split('\n')
        .filter((l) => l.length > 0))
        out(`  | ${line}`);
      out(`guest end: ${describeEnd(end)}`);
      if (early) {
        // A tour cut short is a failure even when the guest itself ended well: its status (odd) or the run's.
        process.stderr.write(
          `guestdbg demo: the tour stopped early because the guest ended (${describeEnd(early)}): a debug event ` +
            `did not happen on the ${backend} backend; run guestdbg caps --backend ${backend} to see which features work\n`,
        );
        const code = exitCodeOf(early);
        return code !== 0 ? code : ExitCode.InternalError;
      }
      // The tour succeeded when the guest finished on its own; otherwise the run's status says why.
      return end.kind === 'debug-exit' ? 0 : exitCodeOf(end);
    } finally {
      g.vm.close();
    }
  } finally {
    await watchdog.close();
    hv.close();
  }
}
