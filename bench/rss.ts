// Peak resident set size of a child process: its VmHWM ("high water mark" of RSS) from /proc/<pid>/status,
// read every RSS_SAMPLE_MS while it runs. VmHWM only grows, so the last reading is the peak up to that moment.
//
// Why not getrusage: Node's process.resourceUsage() is RUSAGE_SELF, and RUSAGE_CHILDREN (or wait4's rusage)
// is no better from a Node parent: Linux keeps ru_maxrss across exec, and a child forked from this process
// starts with a copy of its pages (tens to hundreds of MiB), so every child would report at least the
// bench's own size. /proc/<pid>/status VmHWM belongs to the child's own address space (new at exec).
import { readFileSync } from 'node:fs';
import { type RunResult, startCommand } from '../support/qemu-runner.js';
import { BenchError } from './stats.js';

/**
 * Milliseconds between readings. What the child allocates after the last reading (less than this before
 * it exits) is missed: runs should reach their peak well before they end.
 */
const RSS_SAMPLE_MS = 5;

function vmHwmKiB(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined; // exited and reaped
  }
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(status); // absent once it is a zombie
  return m ? Number(m[1]) : undefined;
}

/** True where /proc/<pid>/status has VmHWM (Linux). */
export function vmHwmAvailable(): boolean {
  return vmHwmKiB(process.pid) !== undefined;
}

/** Runs a command to its end; its result and its peak RSS in bytes. */
export async function peakRss(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ bytes: number; run: RunResult }> {
  const child = startCommand(command, args, { timeoutMs });
  const pid = child.pid;
  if (pid === undefined) {
    await child.result;
    throw new BenchError(`${command} did not start`);
  }
  let peakKiB = 0;
  const sample = (): void => {
    peakKiB = Math.max(peakKiB, vmHwmKiB(pid) ?? 0);
  };
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  try {
    const run = await child.result;
    if (peakKiB === 0) throw new BenchError(`${command}: exited before its RSS could be read`);
    return { bytes: peakKiB * 1024, run };
  } finally {
    clearInterval(timer);
  }
}
