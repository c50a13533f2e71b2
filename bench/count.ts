// Instructions per iteration (b) of a workload: the region [bench_region_start, bench_region_end) retires
// exactly c + b*n instructions (every iteration does identical work), so b = count(2) - count(1), and
// count(3) - count(2) must equal it. Counted by QEMU's execution trace (an oracle independent of guestdbg)
// and, when the emu runs, by single-stepping the region through vcpu.run() on the emu backend.
import { type Backend, countRegionBySteps } from './guest-run.js';
import { qemuRegionCount } from './qemu.js';
import { BenchError, errorLine } from './stats.js';
import type { Workload } from './workloads.js';

export interface IterationCount {
  /** Instructions per iteration. */
  perIteration: number;
  /** Instructions of the region outside the iterations (call, loop set-up, return). */
  fixed: number;
  /** Which counter gave perIteration. */
  method: 'qemu-trace' | 'emu-singlestep';
  /** The other counter's figure, or why there is none. */
  crossCheck: string;
  /** The result line QEMU printed for n=3 (to check the emu against), when QEMU counted. */
  qemuResultN3?: string;
}

const COUNT_NS = [1, 2, 3] as const;
const COUNT_TIMEOUT_MS = 300_000;

function linear(w: Workload, counts: number[], how: string): { b: number; c: number } {
  const [c1, c2, c3] = counts as [number, number, number];
  const b = c2 - c1;
  if (c3 - c2 !== b || b <= 0)
    throw new BenchError(`${how}: ${w.name} region counts ${counts.join(', ')} for n=1,2,3 are not linear`);
  return { b, c: c1 - b };
}

export async function countIterations(
  w: Workload,
  qemu: boolean,
  emu: Backend | undefined,
  progress: (s: string) => void,
): Promise<IterationCount> {
  let fromQemu: { b: number; c: number; r3: string } | undefined;
  let qemuWhy = 'QEMU absent';
  if (qemu) {
    try {
      const counts: number[] = [];
      let r3 = '';
      for (const n of COUNT_NS) {
        progress(`count ${w.name}: QEMU exec trace n=${n}`);
        const r = await qemuRegionCount(w, n, COUNT_TIMEOUT_MS);
        counts.push(r.count);
        r3 = r.result;
      }
      fromQemu = { ...linear(w, counts, 'QEMU trace'), r3 };
    } catch (e) {
      qemuWhy = `QEMU trace failed: ${errorLine(e)}`;
    }
  }
  let fromEmu: { b: number; c: number } | undefined;
  let emuWhy = 'emu unavailable';
  if (emu) {
    try {
      const counts: number[] = [];
      for (const n of COUNT_NS) {
        progress(`count ${w.name}: emu single-step n=${n}`);
        counts.push(countRegionBySteps(emu, w, n, COUNT_TIMEOUT_MS));
      }
      fromEmu = linear(w, counts, 'emu single-step');
    } catch (e) {
      emuWhy = `emu single-step failed: ${errorLine(e)}`;
    }
  }
  if (fromQemu) {
    const crossCheck = fromEmu
      ? fromEmu.b === fromQemu.b && fromEmu.c === fromQemu.c
        ? 'emu single-step agrees'
        : `emu single-step says ${fromEmu.b}/iteration + ${fromEmu.c}`
      : emuWhy;
    return { perIteration: fromQemu.b, fixed: fromQemu.c, method: 'qemu-trace', crossCheck, qemuResultN3: fromQemu.r3 };
  }
  if (fromEmu) return { perIteration: fromEmu.b, fixed: fromEmu.c, method: 'emu-singlestep', crossCheck: qemuWhy };
  throw new BenchError(`no instruction count: ${qemuWhy}; ${emuWhy}`);
}
