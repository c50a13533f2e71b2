// The report: a fixed-width table on stdout (or JSON with --json). A cell is a number or the reason it is not.
import type { IterationCount } from './count.js';

/** A measured value, or why there is none ("n/a: no /dev/kvm", "emu: <reason>", ...). */
export type Figure = { value: number } | { reason: string };

export interface WorkloadReport {
  name: string;
  what: string;
  count: IterationCount | { reason: string };
  /** Iterations of the n run of each contender (the 2n run doubles it). */
  n: Record<string, number>;
  emuMips: Figure;
  qemuMips: Figure;
  kvmMips: Figure;
  emuOverQemu: Figure;
  emuOverKvm: Figure;
  /** Relative slowdown of the emu with 4 armed DR watchpoints the workload never touches (0.05 = 5 %). */
  watchSlowdown: Figure;
}

export interface StepReport {
  backend: string;
  stepsPerSecond: Figure;
  /** The same backend running the same code freely, in instructions per second. */
  freeRunIps: Figure;
  /** freeRunIps / stepsPerSecond. */
  freeOverStep: Figure;
  rawLoop: Figure;
}

export interface StartupReport {
  image: string;
  guestdbgMs: Figure;
  qemuMs: Figure;
  ratio: Figure;
}

export interface GdbStepReport {
  steps: number;
  guestdbgStepsPerSecond: Figure;
  qemuStepsPerSecond: Figure;
  ratio: Figure;
  /** Ctrl-C (0x03) to the stop reply, ms, guest spinning. */
  guestdbgCtrlCMs: Figure;
  qemuCtrlCMs: Figure;
}

export interface PeakRssRow {
  workload: string;
  /** The iterations each ran: its calibrated n from the speed runs. */
  n: { guestdbg?: number; qemu?: number };
  guestdbgBytes: Figure;
  qemuBytes: Figure;
  /** guestdbgBytes / qemuBytes. */
  ratio: Figure;
}

/** Peak RSS (VmHWM) of whole processes with guestMiB of guest RAM: `guestdbg run` on emu, QEMU TCG. */
export interface PeakRssReport {
  guestMiB: number;
  rows: PeakRssRow[];
}

export interface BenchReport {
  date: string;
  machine: string;
  node: string;
  qemu: string;
  quick: boolean;
  reps: number;
  workloads: WorkloadReport[];
  singleStep: StepReport[];
  startup: StartupReport;
  gdbStepi: GdbStepReport;
  peakRss: PeakRssReport;
  notes: string[];
}

export function ok(value: number): Figure {
  return Number.isFinite(value) ? { value } : { reason: 'no valid repetition' };
}

function fmt(f: Figure, digits: number, suffix = ''): string {
  if ('reason' in f) return f.reason;
  const v = f.value;
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(Math.min(1, digits)) : v.toFixed(digits);
  return `${s}${suffix}`;
}

function pct(f: Figure): string {
  return 'reason' in f ? f.reason : `${(f.value * 100).toFixed(1)} %`;
}

function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

/** Long reasons go to the notes; the cell says which note. */
function cell(f: Figure, render: (f: Figure) => string, notes: string[]): string {
  if (!('reason' in f) || f.reason.length <= 22) return render(f);
  let i = notes.indexOf(f.reason);
  if (i < 0) i = notes.push(f.reason) - 1;
  return `see note ${i + 1}`;
}

export function renderTable(r: BenchReport): string {
  const notes: string[] = [];
  const rows = r.workloads.map((w) => [
    w.name,
    'reason' in w.count ? cell({ reason: w.count.reason }, (f) => fmt(f, 0), notes) : String(w.count.perIteration),
    cell(w.emuMips, (f) => fmt(f, 2), notes),
    cell(w.qemuMips, (f) => fmt(f, 1), notes),
    cell(w.emuOverQemu, (f) => fmt(f, 3, 'x'), notes),
    cell(w.kvmMips, (f) => fmt(f, 2), notes),
    cell(w.emuOverKvm, (f) => fmt(f, 2, 'x'), notes),
    cell(w.watchSlowdown, pct, notes),
  ]);
  const out: string[] = [];
  out.push(`guestdbg bench, ${r.date}: ${r.machine}; Node ${r.node}; ${r.qemu}`);
  out.push(
    `${r.quick ? 'quick run; ' : ''}median of ${r.reps} alternating repetitions; MIPS = insns/iter * n / (T(2n) - T(n))`,
  );
  out.push('');
  out.push(
    grid(
      ['workload', 'insns/iter', 'emu MIPS', 'QEMU TCG MIPS', 'emu/QEMU', 'kvm MIPS', 'emu/kvm', '4 DR watch slowdown'],
      rows,
    ),
  );
  out.push('');
  out.push(
    grid(
      ['single-step via vcpu.run()', 'steps/s', 'free-run insns/s', 'free/step', 'raw ioctl loop'],
      r.singleStep.map((s) => [
        s.backend,
        cell(s.stepsPerSecond, (f) => fmt(f, 0), notes),
        cell(s.freeRunIps, (f) => fmt(f, 0), notes),
        cell(s.freeOverStep, (f) => fmt(f, 1, 'x'), notes),
        cell(s.rawLoop, (f) => fmt(f, 0), notes),
      ]),
    ),
  );
  out.push('');
  out.push(
    grid(
      [`start to first serial byte (${r.startup.image})`, 'guestdbg run', 'QEMU', 'guestdbg/QEMU'],
      [
        [
          'ms',
          cell(r.startup.guestdbgMs, (f) => fmt(f, 1), notes),
          cell(r.startup.qemuMs, (f) => fmt(f, 1), notes),
          cell(r.startup.ratio, (f) => fmt(f, 2, 'x'), notes),
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    grid(
      [`gdb stepi ${r.gdbStepi.steps} through the stub`, 'guestdbg', 'QEMU', 'guestdbg/QEMU'],
      [
        [
          'steps/s',
          cell(r.gdbStepi.guestdbgStepsPerSecond, (f) => fmt(f, 0), notes),
          cell(r.gdbStepi.qemuStepsPerSecond, (f) => fmt(f, 0), notes),
          cell(r.gdbStepi.ratio, (f) => fmt(f, 2, 'x'), notes),
        ],
        [
          'Ctrl-C to stop reply, ms',
          cell(r.gdbStepi.guestdbgCtrlCMs, (f) => fmt(f, 1), notes),
          cell(r.gdbStepi.qemuCtrlCMs, (f) => fmt(f, 1), notes),
          '-',
        ],
      ],
    ),
  );
  const mib = (f: Figure): string => fmt('reason' in f ? f : { value: f.value / 2 ** 20 }, 1);
  out.push('');
  out.push(
    grid(
      [`peak RSS, ${r.peakRss.guestMiB} MiB guest, MiB`, 'guestdbg run (emu)', 'QEMU TCG', 'guestdbg/QEMU'],
      r.peakRss.rows.map((row) => [
        row.workload,
        cell(row.guestdbgBytes, mib, notes),
        cell(row.qemuBytes, mib, notes),
        cell(row.ratio, (f) => fmt(f, 2, 'x'), notes),
      ]),
    ),
  );
  const counted = r.workloads.flatMap((w) =>
    'reason' in w.count
      ? []
      : [
          `${w.name}: ${w.count.perIteration}/iteration + ${w.count.fixed} by ${w.count.method} (${w.count.crossCheck}); n = ${Object.entries(
            w.n,
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        ],
  );
  out.push('');
  out.push('instruction counts (exact, region bench_region_start..end, n = 1, 2, 3 checked linear):');
  for (const c of counted) out.push(`  ${c}`);
  const allNotes = [...notes, ...r.notes];
  if (allNotes.length > 0) {
    out.push('');
    out.push('notes:');
    for (const [i, n] of allNotes.entries()) out.push(`  ${i + 1}. ${n}`);
  }
  return `${out.join('\n')}\n`;
}
