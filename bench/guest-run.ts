// Runs a workload in this process on the emu or kvm backend through the KVM-shaped API, timing only vcpu.run().
import type { BackendName, Hypervisor, Vcpu } from '../src/abi/index.js';
import { ExitReason, GuestDbg } from '../src/abi/index.js';
import type { PreparedGuest } from '../src/machine/boot/prepare.js';
import { describeEnd, type GuestEnd } from '../src/machine/guest-end.js';
import type { Watchdog } from '../src/machine/threads/watchdog.js';
import { BenchError } from './stats.js';
import { BENCH_EXIT_STATUS, cmdlineFor, GUEST_MEMORY_BYTES, parseResult, type Workload } from './workloads.js';

type Api = typeof import('../src/index.js');
type PrepareApi = typeof import('../src/machine/boot/prepare.js');
type RunApi = typeof import('../src/machine/threads/run-to-end.js');
type WatchdogApi = typeof import('../src/machine/threads/watchdog.js');

/** A guest that prints more than this is misbehaving (e.g. a trap loop): the run is stopped. */
const SERIAL_LIMIT = 4096;

export interface Backend {
  name: BackendName;
  hv: Hypervisor;
  api: Api;
  prepare: PrepareApi['prepareGuest'];
  handleExit: RunApi['handleExit'];
  watchdog: Watchdog;
}

/**
 * Opens a backend; the modules are imported here (not statically) so that a backend which cannot even load
 * becomes one line in the table instead of a crash of the harness.
 */
export async function openBackend(name: BackendName): Promise<Backend> {
  let api: Api;
  let prep: PrepareApi;
  let run: RunApi;
  let wd: WatchdogApi;
  try {
    [api, prep, run, wd] = await Promise.all([
      import('../src/index.js'),
      import('../src/machine/boot/prepare.js'),
      import('../src/machine/threads/run-to-end.js'),
      import('../src/machine/threads/watchdog.js'),
    ]);
  } catch (e) {
    throw new BenchError(`guestdbg does not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  let hv: Hypervisor;
  try {
    hv = api.openHypervisor({ backend: name });
  } catch (e) {
    if (name === 'kvm' && e instanceof Error && /ENOENT|no such file|\/dev\/kvm/i.test(e.message))
      throw new BenchError('n/a: no /dev/kvm');
    throw new BenchError(`cannot open: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return { name, hv, api, prepare: prep.prepareGuest, handleExit: run.handleExit, watchdog: new wd.Watchdog() };
}

export async function closeBackend(b: Backend): Promise<void> {
  await b.watchdog.close();
  b.hv.close();
}

export interface RunSetup {
  /** Called with the vCPU before the first run (e.g. to arm watchpoints). */
  beforeRun?: (vcpu: Vcpu) => void;
  timeoutMs: number;
}

export interface TimedRun {
  ms: number;
  result: string;
}

class SerialCapture {
  text = '';
  overflow = false;
  constructor(private readonly onOverflow: () => void) {}
  readonly sink = (bytes: Uint8Array): void => {
    if (this.overflow) return;
    this.text += Buffer.from(bytes).toString('latin1');
    if (this.text.length > SERIAL_LIMIT) {
      this.overflow = true;
      this.onOverflow();
    }
  };
}

function prepare(b: Backend, w: Workload, n: number, serial: SerialCapture): PreparedGuest {
  try {
    return b.prepare({
      hypervisor: b.hv,
      image: w.image,
      imagePath: w.elf,
      memoryBytes: GUEST_MEMORY_BYTES,
      cmdline: cmdlineFor(n),
      serial: serial.sink,
    });
  } catch (e) {
    throw new BenchError(`cannot set up the guest: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 60)}...` : line;
}

/** Runs the workload with `n` iterations to its end; returns the time spent in vcpu.run() and its result. */
export function timedRun(b: Backend, w: Workload, n: number, setup: RunSetup): TimedRun {
  let kickVcpu = (): void => {};
  const serial = new SerialCapture(() => kickVcpu());
  const g = prepare(b, w, n, serial);
  try {
    const kicker = g.vcpu.kicker();
    kickVcpu = () => b.api.kick(kicker);
    setup.beforeRun?.(g.vcpu);
    b.watchdog.arm(kicker, setup.timeoutMs);
    let end: GuestEnd | undefined;
    const t0 = performance.now();
    try {
      while (end === undefined) {
        const exit = g.vcpu.run();
        if (exit.reason === ExitReason.Intr) {
          if (serial.overflow) break;
          if (b.watchdog.expired()) end = { kind: 'timeout', ms: setup.timeoutMs };
          continue;
        }
        if (exit.reason === ExitReason.Debug) {
          end = { kind: 'unexpected-exit', reason: ExitReason.Debug, rip: exit.debug.pc };
          break;
        }
        end = b.handleExit(g.vcpu, g.bus, exit);
      }
    } catch (e) {
      throw new BenchError(`vcpu.run() threw: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    } finally {
      b.watchdog.disarm();
    }
    const ms = performance.now() - t0;
    if (serial.overflow) throw new BenchError(`n=${n}: runaway serial output: '${firstLine(serial.text)}'`);
    if (end === undefined || end.kind !== 'debug-exit' || end.status !== BENCH_EXIT_STATUS) {
      const said = serial.text === '' ? '' : `; it printed '${firstLine(serial.text)}'`;
      throw new BenchError(`n=${n}: ${end ? describeEnd(end) : 'no end'}${said}`);
    }
    const result = parseResult(serial.text, w.name, n);
    if (result === undefined) throw new BenchError(`n=${n}: wrong output '${firstLine(serial.text)}'`);
    return { ms, result };
  } finally {
    g.vm.close();
  }
}

/** Stepping statistics of one single-stepped stretch. */
export interface StepCount {
  /** Debug exits (= instructions) from bench_region_start up to bench_region_end. */
  regionSteps: number;
}

/**
 * Counts the instructions of the measured region by single-stepping it through vcpu.run() with
 * KVM_GUESTDBG_SINGLESTEP: a hardware execution breakpoint (DR0) stops at bench_region_start, then every
 * step is one debug exit until rip reaches bench_region_end.
 */
export function countRegionBySteps(b: Backend, w: Workload, n: number, timeoutMs: number): number {
  const serial = new SerialCapture(() => {});
  const g = prepare(b, w, n, serial);
  const deadline = performance.now() + timeoutMs;
  try {
    const { vcpu } = g;
    vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.UseHwBp,
      debugreg: [w.regionStart, 0n, 0n, 0n, 0n, 0n, 0n, EXEC_BP_DR7],
    });
    let steps = -1;
    for (;;) {
      const exit = vcpu.run();
      if (exit.reason === ExitReason.Debug) {
        if (steps < 0) {
          if (exit.debug.pc !== w.regionStart) continue;
          steps = 0;
          vcpu.setGuestDebug({
            control: GuestDbg.Enable | GuestDbg.SingleStep,
            debugreg: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
          });
          continue;
        }
        steps++;
        if (exit.debug.pc === w.regionEnd) return steps;
        if ((steps & 0xffff) === 0 && performance.now() > deadline)
          throw new BenchError(`counting n=${n} by single-step: still stepping after ${timeoutMs} ms`);
        continue;
      }
      if (exit.reason === ExitReason.Intr) continue;
      const end = b.handleExit(vcpu, g.bus, exit);
      if (end) throw new BenchError(`counting n=${n} by single-step: ${describeEnd(end)} before the region ended`);
    }
  } catch (e) {
    if (e instanceof BenchError) throw e;
    throw new BenchError(
      `counting n=${n} by single-step: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    );
  } finally {
    g.vm.close();
  }
}

/** DR7: slot 0 enabled globally (G0, bit 1), R/W0 = 00 (execute), LEN0 = 00 (SDM vol. 3 18.2.4). */
export const EXEC_BP_DR7 = 0x2n;

/**
 * Single-steps `steps` instructions from bench_region_start; returns steps per second through vcpu.run().
 */
export function singleStepRate(b: Backend, w: Workload, n: number, steps: number): number {
  const serial = new SerialCapture(() => {});
  const g = prepare(b, w, n, serial);
  try {
    const { vcpu } = g;
    vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.UseHwBp,
      debugreg: [w.regionStart, 0n, 0n, 0n, 0n, 0n, 0n, EXEC_BP_DR7],
    });
    for (;;) {
      const exit = vcpu.run();
      if (exit.reason === ExitReason.Debug && exit.debug.pc === w.regionStart) break;
      if (exit.reason === ExitReason.Debug || exit.reason === ExitReason.Intr) continue;
      const end = b.handleExit(vcpu, g.bus, exit);
      if (end) throw new BenchError(`single-step: ${describeEnd(end)} before the region`);
    }
    vcpu.setGuestDebug({ control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n] });
    const t0 = performance.now();
    let done = 0;
    while (done < steps) {
      const exit = vcpu.run();
      if (exit.reason !== ExitReason.Debug) {
        const end = b.handleExit(vcpu, g.bus, exit);
        if (end) throw new BenchError(`single-step: ${describeEnd(end)} after ${done} steps`);
        continue;
      }
      done++;
    }
    return steps / ((performance.now() - t0) / 1000);
  } catch (e) {
    if (e instanceof BenchError) throw e;
    throw new BenchError(`single-step: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    g.vm.close();
  }
}
