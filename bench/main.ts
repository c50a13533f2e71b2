// `npm run bench`: guestdbg's emu against QEMU TCG (and /dev/kvm where it exists) on the guests/bench
// workloads. Progress on stderr, the table (or --json) on stdout. See bench/README.md for the method.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../scripts/build-guests.js';
import type { Vcpu } from '../src/abi/index.js';
import { GuestDbg } from '../src/abi/index.js';
import { Dr7Rw, dr7Slot } from '../src/x86/debug-regs.js';
import { QEMU_BINARY, qemuArgs } from '../support/qemu-runner.js';
import { buildBenchGuests, missingBenchElves } from './build-guests.js';
import { countIterations, type IterationCount } from './count.js';
import { ctrlCLatencyMs, gdbPresent, gdbStepRate, type StubKind } from './gdb-step.js';
import { type Backend, closeBackend, openBackend, singleStepRate, timedRun } from './guest-run.js';
import { alternate, type Calibrated, type Contender, calibrate, medianOf, medianRatio } from './measure.js';
import { firstSerialByteMs, qemuPresent, qemuTimedRun } from './qemu.js';
import { peakRss, vmHwmAvailable } from './rss.js';
import { BenchError, errorLine, median, Progress } from './stats.js';
import {
  type BenchReport,
  type Figure,
  type GdbStepReport,
  ok,
  type PeakRssReport,
  renderTable,
  type StepReport,
  type WorkloadReport,
} from './table.js';
import {
  BENCH_EXIT_STATUS,
  cmdlineFor,
  loadWorkload,
  parseResult,
  WORKLOAD_NAMES,
  type Workload,
} from './workloads.js';

interface Options {
  quick: boolean;
  json: boolean;
  only: string[];
}

const USAGE = `usage: npm run bench -- [--quick] [--json] [workload...]   (workloads: ${WORKLOAD_NAMES.join(', ')})`;

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { quick: false, json: false, only: [] };
  for (const a of argv) {
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if ((WORKLOAD_NAMES as readonly string[]).includes(a)) o.only.push(a);
    else throw new BenchError(`unknown argument '${a}': ${USAGE}`);
  }
  return o;
}

/** Watched linear addresses no workload touches (127 MiB: above the memory guest's 32-96 MiB). */
const WATCH_ADDRESSES = [0x07f0_0000n, 0x07f0_1008n, 0x07f0_2010n, 0x07f0_3018n] as const;
const WATCH_DR7 = BigInt(WATCH_ADDRESSES.reduce((dr7, _a, i) => dr7 | dr7Slot(i, Dr7Rw.ReadWrite, 8), 0));

function armWatchpoints(vcpu: Vcpu): void {
  vcpu.setGuestDebug({
    control: GuestDbg.Enable | GuestDbg.UseHwBp,
    debugreg: [...WATCH_ADDRESSES, 0n, 0n, 0n, WATCH_DR7],
  });
}

interface Settings {
  reps: number;
  targetMs: number;
  /** QEMU runs are whole processes whose start-up varies by 100s of ms on a loaded machine: longer runs. */
  qemuTargetMs: number;
  /** kvm here runs at 1-2 MIPS: its runs get a smaller target so the bench stays short. */
  kvmTargetMs: number;
  steps: number;
  /** Instructions per gdb `stepi` measurement. */
  gdbSteps: number;
  timeoutMs: number;
}

const FULL: Settings = {
  reps: 5,
  targetMs: 800,
  qemuTargetMs: 2000,
  kvmTargetMs: 400,
  steps: 300_000,
  gdbSteps: 2000,
  timeoutMs: 120_000,
};
const QUICK: Settings = {
  reps: 5,
  targetMs: 150,
  qemuTargetMs: 500,
  kvmTargetMs: 100,
  steps: 50_000,
  gdbSteps: 500,
  timeoutMs: 60_000,
};
/** A cap on n: keeps a mis-calibration from running for hours. */
const MAX_N = 2_000_000_000;

function backendContender(b: Backend, w: Workload, s: Settings, label: string, watch = false): Contender {
  return {
    label,
    run: async (n) => timedRun(b, w, n, { timeoutMs: s.timeoutMs, beforeRun: watch ? armWatchpoints : undefined }).ms,
  };
}

function qemuContender(w: Workload, s: Settings): Contender {
  return { label: 'qemu', run: async (n) => (await qemuTimedRun(w, n, s.timeoutMs)).ms };
}

function fail(reason: string): Figure {
  return { reason };
}

async function benchWorkload(
  name: string,
  s: Settings,
  qemu: boolean,
  emu: Backend | undefined,
  emuWhy: string,
  kvm: Backend | undefined,
  kvmWhy: string,
  progress: Progress,
): Promise<WorkloadReport> {
  const w = loadWorkload(name);
  const report: WorkloadReport = {
    name,
    what: w.what,
    count: { reason: 'not counted' },
    n: {},
    emuMips: fail(emuWhy),
    qemuMips: fail(qemu ? 'not measured' : 'skipped: no QEMU'),
    kvmMips: fail(kvmWhy),
    emuOverQemu: fail('-'),
    emuOverKvm: fail('-'),
    watchSlowdown: fail(emuWhy),
  };
  let count: IterationCount;
  try {
    count = await countIterations(w, qemu, emu, (t) => progress.update(t));
    report.count = count;
  } catch (e) {
    report.count = { reason: errorLine(e) };
    progress.note(`${name}: ${errorLine(e)}`);
    return report;
  }
  const b = count.perIteration;
  // The emu must compute what QEMU computes before its speed means anything.
  let emuOk = emu;
  if (emu && count.qemuResultN3 !== undefined) {
    try {
      progress.update(`${name}: emu result check n=3`);
      const r = timedRun(emu, w, 3, { timeoutMs: s.timeoutMs });
      if (r.result !== count.qemuResultN3)
        throw new BenchError(`result ${r.result} for n=3 differs from QEMU's ${count.qemuResultN3}`);
    } catch (e) {
      emuOk = undefined;
      report.emuMips = fail(`emu: ${errorLine(e)}`);
      report.watchSlowdown = report.emuMips;
    }
  }
  const calibrated: { key: 'emu' | 'qemu' | 'kvm'; c: Calibrated }[] = [];
  const tryCalibrate = async (key: 'emu' | 'qemu' | 'kvm', c: Contender, target: number): Promise<void> => {
    progress.update(`${name}: calibrating ${key}`);
    try {
      calibrated.push({ key, c: { contender: c, n: await calibrate(c, b, target, MAX_N) } });
    } catch (e) {
      const f = fail(`${key}: ${errorLine(e)}`);
      if (key === 'emu') report.emuMips = report.watchSlowdown = f;
      else if (key === 'qemu') report.qemuMips = f;
      else report.kvmMips = f;
      progress.note(`${name}: ${key}: ${errorLine(e)}`);
    }
  };
  if (emuOk) await tryCalibrate('emu', backendContender(emuOk, w, s, 'emu'), s.targetMs);
  if (qemu) await tryCalibrate('qemu', qemuContender(w, s), s.qemuTargetMs);
  if (kvm) await tryCalibrate('kvm', backendContender(kvm, w, s, 'kvm'), s.kvmTargetMs);
  for (const k of calibrated) report.n[k.key] = k.c.n;
  if (calibrated.length > 0) {
    try {
      const { mips } = await alternate(
        calibrated.map((k) => k.c),
        b,
        s.reps,
        (rep) => progress.update(`${name}: ${calibrated.map((k) => k.key).join(' / ')} rep ${rep + 1}/${s.reps}`),
      );
      const of = (key: string): number[] | undefined => mips[calibrated.findIndex((k) => k.key === key)];
      const emuM = of('emu');
      const qemuM = of('qemu');
      const kvmM = of('kvm');
      if (emuM) report.emuMips = ok(medianOf(emuM));
      if (qemuM) report.qemuMips = ok(medianOf(qemuM));
      if (kvmM) report.kvmMips = ok(medianOf(kvmM));
      if (emuM && qemuM) report.emuOverQemu = ok(medianRatio(emuM, qemuM));
      if (emuM && kvmM) report.emuOverKvm = ok(medianRatio(emuM, kvmM));
    } catch (e) {
      progress.note(`${name}: ${errorLine(e)}`);
      report.emuMips = fail(errorLine(e));
    }
  }
  const emuCal = calibrated.find((k) => k.key === 'emu');
  if (emuOk && emuCal) {
    try {
      const pair: Calibrated[] = [
        emuCal.c,
        { contender: backendContender(emuOk, w, s, 'emu+4wp', true), n: emuCal.c.n },
      ];
      // In-process runs have no start-up to cancel (boot is ~0.01 % of the work), so the slowdown is taken
      // from the whole n + 2n time of each: half the noise of a difference of two runs.
      const { totalMs } = await alternate(pair, b, s.reps, (rep) =>
        progress.update(`${name}: emu vs emu with 4 DR watchpoints rep ${rep + 1}/${s.reps}`),
      );
      report.watchSlowdown = ok(medianRatio(totalMs[1]!, totalMs[0]!) - 1);
    } catch (e) {
      report.watchSlowdown = fail(`emu+watchpoints: ${errorLine(e)}`);
      progress.note(`${name}: watchpoints: ${errorLine(e)}`);
    }
  }
  return report;
}

async function benchSingleStep(
  b: Backend | undefined,
  why: string,
  name: string,
  s: Settings,
  loopPerIteration: number | undefined,
  progress: Progress,
): Promise<StepReport> {
  const rawLoop: Figure = fail(name === 'kvm' ? 'not implemented: needs the vCPU fd' : 'n/a: run() is the loop');
  const r: StepReport = {
    backend: name,
    stepsPerSecond: fail(why),
    freeRunIps: fail(why),
    freeOverStep: fail('-'),
    rawLoop,
  };
  if (!b) return r;
  try {
    const w = loadWorkload('loop');
    const perIter = loopPerIteration ?? 4;
    // Enough iterations that the stepped stretch stays inside the loop.
    const n = Math.ceil(s.steps / perIter) + 16;
    const free = backendContender(b, w, s, name);
    const freeN = await calibrate(free, perIter, name === 'kvm' ? s.kvmTargetMs : s.targetMs, MAX_N);
    const steps: number[] = [];
    const ips: number[] = [];
    for (let rep = 0; rep < s.reps; rep++) {
      progress.update(`single-step ${name}: rep ${rep + 1}/${s.reps}`);
      steps.push(singleStepRate(b, w, n, s.steps));
      const t1 = await free.run(freeN);
      const t2 = await free.run(2 * freeN);
      ips.push(t2 > t1 ? (perIter * freeN) / ((t2 - t1) / 1000) : Number.NaN);
    }
    r.stepsPerSecond = ok(median(steps));
    r.freeRunIps = ok(medianOf(ips));
    r.freeOverStep = ok(medianRatio(ips, steps));
  } catch (e) {
    r.stepsPerSecond = fail(`${name}: ${errorLine(e)}`);
    progress.note(`single-step ${name}: ${errorLine(e)}`);
  }
  return r;
}

async function benchStartup(s: Settings, qemu: boolean, progress: Progress): Promise<BenchReport['startup']> {
  const image = 'guests/hello.elf';
  const root = repoRoot();
  const elf = join(root, image);
  const cli = join(root, 'dist/bundle/cli/main.js');
  const g: number[] = [];
  const q: number[] = [];
  const out: BenchReport['startup'] = { image, guestdbgMs: fail('-'), qemuMs: fail('-'), ratio: fail('-') };
  let gWhy = '';
  let qWhy = qemu ? '' : 'skipped: no QEMU';
  for (let rep = 0; rep < s.reps; rep++) {
    progress.update(`start to first serial byte: rep ${rep + 1}/${s.reps}`);
    if (!gWhy) {
      try {
        g.push(await firstSerialByteMs(process.execPath, [cli, 'run', '--serial', 'stdio', elf], s.timeoutMs));
      } catch (e) {
        gWhy = `guestdbg run: ${errorLine(e)}`;
      }
    }
    if (!qWhy) {
      try {
        q.push(await firstSerialByteMs(QEMU_BINARY, qemuArgs(elf), s.timeoutMs));
      } catch (e) {
        qWhy = `qemu: ${errorLine(e)}`;
      }
    }
  }
  out.guestdbgMs = gWhy ? fail(gWhy) : ok(median(g));
  out.qemuMs = qWhy ? fail(qWhy) : ok(median(q));
  if (!gWhy && !qWhy) out.ratio = ok(medianRatio(g, q));
  return out;
}

/** Guest RAM of the peak-RSS runs (issue 6: "a 256 MiB guest costs no more than ~300 MiB RSS"). */
const RSS_GUEST_MIB = 256;

/**
 * Peak RSS of `guestdbg run --memory 256M` (emu) and of QEMU's reference command line with `-m 256M`, each
 * running a workload with the n it was calibrated to (so it runs 0.15-2 s, well past its first iteration,
 * which touches everything later ones touch), alternating; the median of the repetitions.
 */
async function benchPeakRss(
  workloads: readonly WorkloadReport[],
  s: Settings,
  qemu: boolean,
  progress: Progress,
): Promise<PeakRssReport> {
  const cli = join(repoRoot(), 'dist/bundle/cli/main.js');
  const memory = `${RSS_GUEST_MIB}M`;
  const noVmHwm = vmHwmAvailable() ? '' : 'n/a: no VmHWM in /proc/<pid>/status';
  const out: PeakRssReport = { guestMiB: RSS_GUEST_MIB, rows: [] };
  for (const report of workloads) {
    const w = loadWorkload(report.name);
    const kinds = {
      guestdbg: {
        n: report.n.emu,
        why: noVmHwm || (report.n.emu === undefined ? 'emu not calibrated' : ''),
        command: (n: number): [string, string[]] => [
          process.execPath,
          [cli, 'run', '--backend', 'emu', '--memory', memory, '--serial', 'stdio', '--cmdline', cmdlineFor(n), w.elf],
        ],
        bytes: [] as number[],
      },
      qemu: {
        n: report.n.qemu,
        why: noVmHwm || (!qemu ? 'skipped: no QEMU' : report.n.qemu === undefined ? 'QEMU not calibrated' : ''),
        command: (n: number): [string, string[]] => [
          QEMU_BINARY,
          [...qemuArgs(w.elf, ['-m', memory]), '-append', cmdlineFor(n)],
        ],
        bytes: [] as number[],
      },
    };
    for (let rep = 0; rep < s.reps; rep++) {
      for (const [label, k] of Object.entries(kinds)) {
        if (k.why || k.n === undefined) continue;
        progress.update(`peak RSS, ${report.name}: ${label} rep ${rep + 1}/${s.reps}`);
        try {
          const [command, args] = k.command(k.n);
          const { bytes, run } = await peakRss(command, args, s.timeoutMs);
          if (run.status !== BENCH_EXIT_STATUS || parseResult(run.stdout, w.name, k.n) === undefined)
            throw new BenchError(`n=${k.n}: status ${run.status}, output '${run.stdout.split('\n')[0]?.slice(0, 60)}'`);
          k.bytes.push(bytes);
        } catch (e) {
          k.why = `${label} peak RSS: ${errorLine(e)}`;
          progress.note(`${report.name}: ${k.why}`);
        }
      }
    }
    const { guestdbg: g, qemu: q } = kinds;
    out.rows.push({
      workload: report.name,
      n: { guestdbg: g.n, qemu: q.n },
      guestdbgBytes: g.why ? fail(g.why) : ok(median(g.bytes)),
      qemuBytes: q.why ? fail(q.why) : ok(median(q.bytes)),
      ratio: g.why || q.why ? fail('-') : ok(medianRatio(g.bytes, q.bytes)),
    });
  }
  return out;
}

/** Ctrl-C latency through each stub (a raw RSP client: gdb itself is not needed). */
async function benchCtrlC(s: Settings, qemu: boolean, progress: Progress, out: GdbStepReport): Promise<void> {
  const ms: Record<StubKind, number[]> = { guestdbg: [], qemu: [] };
  const why: Record<StubKind, string> = { guestdbg: '', qemu: qemu ? '' : 'skipped: no QEMU' };
  for (let rep = 0; rep < s.reps; rep++) {
    for (const kind of ['guestdbg', 'qemu'] as const) {
      if (why[kind]) continue;
      progress.update(`Ctrl-C latency via ${kind}: rep ${rep + 1}/${s.reps}`);
      try {
        ms[kind].push(await ctrlCLatencyMs(kind, s.timeoutMs));
      } catch (e) {
        why[kind] = errorLine(e);
        progress.note(`Ctrl-C: ${why[kind]}`);
      }
    }
  }
  out.guestdbgCtrlCMs = why.guestdbg ? fail(why.guestdbg) : ok(median(ms.guestdbg));
  out.qemuCtrlCMs = why.qemu ? fail(why.qemu) : ok(median(ms.qemu));
}

async function benchGdbStepi(s: Settings, qemu: boolean, progress: Progress): Promise<GdbStepReport> {
  const out: GdbStepReport = {
    steps: s.gdbSteps,
    guestdbgStepsPerSecond: fail('-'),
    qemuStepsPerSecond: fail('-'),
    ratio: fail('-'),
    guestdbgCtrlCMs: fail('-'),
    qemuCtrlCMs: fail('-'),
  };
  await benchCtrlC(s, qemu, progress, out);
  if (!gdbPresent()) {
    out.guestdbgStepsPerSecond = out.qemuStepsPerSecond = fail('skipped: no gdb (apt-get install gdb)');
    return out;
  }
  const rates: Record<StubKind, number[]> = { guestdbg: [], qemu: [] };
  const why: Record<StubKind, string> = { guestdbg: '', qemu: qemu ? '' : 'skipped: no QEMU' };
  for (let rep = 0; rep < s.reps; rep++) {
    for (const kind of ['guestdbg', 'qemu'] as const) {
      if (why[kind]) continue;
      progress.update(`gdb stepi ${s.gdbSteps} via ${kind}: rep ${rep + 1}/${s.reps}`);
      try {
        rates[kind].push(await gdbStepRate(kind, s.gdbSteps, s.timeoutMs));
      } catch (e) {
        why[kind] = errorLine(e);
        progress.note(`gdb stepi: ${why[kind]}`);
      }
    }
  }
  out.guestdbgStepsPerSecond = why.guestdbg ? fail(why.guestdbg) : ok(median(rates.guestdbg));
  out.qemuStepsPerSecond = why.qemu ? fail(why.qemu) : ok(median(rates.qemu));
  if (!why.guestdbg && !why.qemu) out.ratio = ok(medianRatio(rates.guestdbg, rates.qemu));
  return out;
}

function machineDescription(): string {
  const list = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${list[0]?.model.trim() ?? 'unknown CPU'} x${list.length}, ${process.platform} ${process.arch}, load average at the end ${load}`;
}

function qemuVersion(qemu: boolean): string {
  if (!qemu) return 'QEMU absent';
  const r = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  return `${(r.stdout.split('\n')[0] ?? 'QEMU').replace('QEMU emulator version', 'QEMU')} TCG`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const s = o.quick ? QUICK : FULL;
  const progress = new Progress();
  const missing = missingBenchElves();
  if (missing.length > 0) {
    progress.update(`building guests/bench: ${missing.join(', ')}`);
    buildBenchGuests(missing);
  }
  const qemu = qemuPresent();
  const notes: string[] = [];
  if (!qemu) notes.push('QEMU columns skipped: qemu-system-x86_64 not found (apt-get install qemu-system-x86)');
  let emu: Backend | undefined;
  let emuWhy = '';
  let kvm: Backend | undefined;
  let kvmWhy = '';
  try {
    emu = await openBackend('emu');
  } catch (e) {
    emuWhy = `emu: ${errorLine(e)}`;
    progress.note(emuWhy);
  }
  try {
    kvm = await openBackend('kvm');
  } catch (e) {
    kvmWhy = errorLine(e);
    if (!kvmWhy.startsWith('n/a')) kvmWhy = `kvm: ${kvmWhy}`;
  }
  const names = o.only.length > 0 ? o.only : [...WORKLOAD_NAMES];
  const workloads: WorkloadReport[] = [];
  for (const name of names) {
    const r = await benchWorkload(name, s, qemu, emu, emuWhy, kvm, kvmWhy, progress);
    if ('reason' in r.emuMips && !r.emuMips.reason.startsWith('emu:')) r.emuMips = fail(`emu: ${r.emuMips.reason}`);
    if ('reason' in r.emuMips) progress.note(`${name}: ${r.emuMips.reason}`);
    workloads.push(r);
  }
  const loopCount = workloads.find((w) => w.name === 'loop')?.count;
  const loopB = loopCount && !('reason' in loopCount) ? loopCount.perIteration : undefined;
  const singleStep = [
    await benchSingleStep(emu, emuWhy, 'emu', s, loopB, progress),
    await benchSingleStep(kvm, kvmWhy, 'kvm', s, loopB, progress),
  ];
  const startup = await benchStartup(s, qemu, progress);
  const gdbStepi = await benchGdbStepi(s, qemu, progress);
  const peakRssReport = await benchPeakRss(workloads, s, qemu, progress);
  progress.done();
  if (emu) await closeBackend(emu);
  if (kvm) await closeBackend(kvm);
  const report: BenchReport = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineDescription(),
    node: process.version,
    qemu: qemuVersion(qemu),
    quick: o.quick,
    reps: s.reps,
    workloads,
    singleStep,
    startup,
    gdbStepi,
    peakRss: peakRssReport,
    notes,
  };
  process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${errorLine(e)}\n`);
  process.exit(1);
});
