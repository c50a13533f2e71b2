// Timing rules: MIPS of a workload = b * n / (T(2n) - T(n)), so start-up, boot and printing cancel out;
// every figure comes from contenders run alternately in the same process run (A, B, A, B, ...), and the
// reported value is the median over the repetitions of each per-repetition figure (ratios included).
import { BenchError, median } from './stats.js';

/** One way of running a workload: returns the milliseconds a run with n iterations took. */
export interface Contender {
  label: string;
  run(n: number): Promise<number>;
}

export interface Calibrated {
  contender: Contender;
  n: number;
}

/**
 * While calibrating, T(2n) - T(n) must be at least this and at least half of T(n): a process's start-up
 * (QEMU: 100-500 ms on a loaded machine) varies by more than a short run's work, so a small difference can
 * be noise.
 */
const MIN_CALIBRATION_DELTA_MS = 100;
const MAX_CALIBRATION_ROUNDS = 12;

/**
 * Chooses n so that n iterations take about targetMs. `perIteration` (instructions) only sets the first guess.
 * n grows until the work clearly dominates: T(2n) - T(n) >= MIN_CALIBRATION_DELTA_MS and >= T(n) / 2, and
 * T(2n) >= 3 * T(first n) (for a process, T(first n) is mostly its start-up); only then is n scaled.
 */
export async function calibrate(c: Contender, perIteration: number, targetMs: number, maxN: number): Promise<number> {
  let n = Math.max(1, Math.round(1_000_000 / perIteration));
  const base = Math.min(await c.run(n), await c.run(n));
  for (let round = 0; round < MAX_CALIBRATION_ROUNDS; round++) {
    const t1 = await c.run(n);
    const t2 = await c.run(2 * n);
    const delta = t2 - t1;
    if ((delta >= MIN_CALIBRATION_DELTA_MS && delta >= t1 / 2 && t2 >= 3 * base) || n >= maxN) {
      const perIterMs = Math.max(delta, 1e-3) / n;
      return Math.min(maxN, Math.max(1, Math.ceil(targetMs / perIterMs)));
    }
    const grow = delta > 5 ? Math.min(16, Math.ceil((3 * base) / delta) + 1) : 8;
    n = Math.min(maxN, n * Math.max(2, grow));
  }
  throw new BenchError(`${c.label}: could not calibrate (run time does not grow with n)`);
}

export interface Alternated {
  /** Per contender, per repetition: MIPS, NaN when T(2n) <= T(n) (noise). */
  mips: number[][];
  /** Per contender, per repetition: T(n) + T(2n) in ms. */
  totalMs: number[][];
}

/** Runs every contender with n, then every contender with 2n, `reps` times. */
export async function alternate(
  list: readonly Calibrated[],
  perIteration: number,
  reps: number,
  onRep: (rep: number) => void,
): Promise<Alternated> {
  const mips: number[][] = list.map(() => []);
  const totalMs: number[][] = list.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    onRep(rep);
    const t1: number[] = [];
    for (const k of list) t1.push(await k.contender.run(k.n));
    const t2: number[] = [];
    for (const k of list) t2.push(await k.contender.run(2 * k.n));
    list.forEach((k, i) => {
      const delta = t2[i]! - t1[i]!;
      mips[i]!.push(delta > 0 ? (perIteration * k.n) / delta / 1000 : Number.NaN);
      totalMs[i]!.push(t1[i]! + t2[i]!);
    });
  }
  return { mips, totalMs };
}

/** Median of the finite values. */
export function medianOf(values: readonly number[]): number {
  return median(values.filter(Number.isFinite));
}

/** Median over repetitions of a / b, pairing repetition i of both. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  return medianOf(a.map((v, i) => v / b[i]!));
}
