// QEMU TCG runs of the same images with the reference command line (support/qemu-runner.ts), plus
// `-append n=<n>`: wall time per run, and exact instruction counts from QEMU's own execution trace.
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { QEMU_BINARY, qemuArgs, qemuPresent } from '../support/qemu-runner.js';
import { BenchError } from './stats.js';
import { BENCH_EXIT_STATUS, cmdlineFor, parseResult, type Workload } from './workloads.js';

export { qemuPresent };

interface Spawned {
  status: number | null;
  stdout: string;
  ms: number;
  firstByteMs: number;
}

function spawnTimed(command: string, args: readonly string[], timeoutMs: number): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByteMs = Number.NaN;
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - t0;
      out.push(b);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out).toString('latin1'), ms: performance.now() - t0, firstByteMs });
    });
  });
}

function check(w: Workload, n: number, r: Spawned, what: string): string {
  const result = parseResult(r.stdout, w.name, n);
  if (r.status !== BENCH_EXIT_STATUS || result === undefined)
    throw new BenchError(`${what} n=${n}: status ${r.status}, output '${r.stdout.split('\n')[0]?.slice(0, 60)}'`);
  return result;
}

/** Wall time of one QEMU process running the workload with n iterations (start-up included). */
export async function qemuTimedRun(w: Workload, n: number, timeoutMs: number): Promise<{ ms: number; result: string }> {
  const r = await spawnTimed(QEMU_BINARY, [...qemuArgs(w.elf), '-append', cmdlineFor(n)], timeoutMs);
  return { ms: r.ms, result: check(w, n, r, 'qemu') };
}

/** Milliseconds from spawning `command` to the first byte on its stdout (the guest's first COM1 byte). */
export async function firstSerialByteMs(command: string, args: readonly string[], timeoutMs: number): Promise<number> {
  const r = await spawnTimed(command, args, timeoutMs);
  if (Number.isNaN(r.firstByteMs)) throw new BenchError(`${command} printed nothing (status ${r.status})`);
  return r.firstByteMs;
}

/**
 * Instructions QEMU executes in [bench_region_start, bench_region_end) with n iterations. With one
 * instruction per translation block (-singlestep) and no block chaining, `-d exec,nochain` logs one
 * "Trace" line per instruction executed, carrying its pc; the lines from the first at bench_region_start
 * up to the first at bench_region_end are the region's instructions.
 */
export async function qemuRegionCount(
  w: Workload,
  n: number,
  timeoutMs: number,
): Promise<{ count: number; result: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-bench-trace-'));
  const log = join(dir, 'exec.log');
  try {
    const extra = ['-singlestep', '-d', 'exec,nochain', '-D', log];
    const r = await spawnTimed(QEMU_BINARY, [...qemuArgs(w.elf, extra), '-append', cmdlineFor(n)], timeoutMs);
    const result = check(w, n, r, 'qemu -d exec');
    const start = `/${w.regionStart.toString(16).padStart(16, '0')}/`;
    const end = `/${w.regionEnd.toString(16).padStart(16, '0')}/`;
    let count = -1;
    const lines = createInterface({ input: createReadStream(log, { encoding: 'latin1' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.startsWith('Trace ')) continue;
      if (count < 0) {
        if (line.includes(start)) count = 1;
        continue;
      }
      if (line.includes(end)) {
        lines.close();
        return { count, result };
      }
      count++;
    }
    throw new BenchError(`qemu -d exec n=${n}: the trace never reached bench_region_end`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
