// gdb `stepi` rate through a GDB remote stub: guestdbg's (`guestdbg run --gdb`) against QEMU's (-gdb), same
// image, same gdb. gdb stops at bench_loop_body with a hardware breakpoint, then times `stepi K` with its own
// Python clock, so process start-up and the connection are not part of the figure.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../scripts/build-guests.js';
import { gdbPresent, runGdbBatch } from '../support/gdb-runner.js';
import { freeTcpPort, QEMU_BINARY, qemuArgs } from '../support/qemu-runner.js';
import { RspClient } from '../support/rsp-client.js';
import { benchElfPath } from './build-guests.js';
import { BenchError } from './stats.js';
import { cmdlineFor } from './workloads.js';

export { gdbPresent };

/** Iterations of the loop guest: far more than any stepped stretch, so the guest never ends under gdb. */
const LOOP_N = 1_000_000_000;
const CONNECT_ATTEMPTS = 50;
const CONNECT_RETRY_MS = 200;
const MARK = 'STEPI_SECONDS';

export type StubKind = 'guestdbg' | 'qemu';

function startTarget(kind: StubKind, elf: string, port: number): ChildProcess {
  if (kind === 'qemu') {
    const args = [...qemuArgs(elf, ['-S', '-gdb', `tcp:127.0.0.1:${port}`]), '-append', cmdlineFor(LOOP_N)];
    return spawn(QEMU_BINARY, args, { stdio: 'ignore' });
  }
  const cli = join(repoRoot(), 'dist/bundle/cli/main.js');
  const args = [cli, 'run', '--serial', 'none', '--gdb', `127.0.0.1:${port}`, '--wait-gdb'];
  return spawn(process.execPath, [...args, '--cmdline', cmdlineFor(LOOP_N), elf], { stdio: 'ignore' });
}

/** Steps per second of `stepi <steps>` in the loop guest through the stub of `kind`. */
export async function gdbStepRate(kind: StubKind, steps: number, timeoutMs: number): Promise<number> {
  const elf = benchElfPath('loop');
  const port = await freeTcpPort();
  const target = startTarget(kind, elf, port);
  try {
    const commands = [
      'hbreak bench_loop_body',
      'continue',
      'delete',
      `python import time; t0 = time.time(); gdb.execute("stepi ${steps}", to_string=True); print("${MARK}", time.time() - t0)`,
      'kill',
    ];
    for (let attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
      if (target.exitCode !== null)
        throw new BenchError(`${kind} exited with status ${target.exitCode} before gdb attached`);
      const r = await runGdbBatch(elf, `127.0.0.1:${port}`, commands, { timeoutMs });
      const text = r.stdout + r.stderr;
      const m = new RegExp(`${MARK} ([0-9.eE+-]+)`).exec(text);
      if (m) return steps / Number(m[1]);
      if (!/Connection refused|Connection reset|Remote connection closed/.test(text) || r.timedOut) {
        const why = r.timedOut ? `timed out after ${timeoutMs} ms` : (text.trim().split('\n').pop() ?? '');
        throw new BenchError(`gdb against ${kind}: ${why}`);
      }
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
    throw new BenchError(`gdb could not connect to ${kind} on port ${port}`);
  } finally {
    target.kill('SIGKILL');
  }
}

/** How long the guest spins before the interrupt, so that the stub is deep in its run loop. */
const SPIN_BEFORE_CTRL_C_MS = 200;

/** Milliseconds from gdb's Ctrl-C (0x03) to the stop reply, with the loop guest spinning. */
export async function ctrlCLatencyMs(kind: StubKind, timeoutMs: number): Promise<number> {
  const elf = benchElfPath('loop');
  const port = await freeTcpPort();
  const target = startTarget(kind, elf, port);
  try {
    const client = await RspClient.connect(port, '127.0.0.1', timeoutMs);
    try {
      if (!/^[TS]/.test(await client.request('?', timeoutMs))) throw new BenchError(`${kind}: no initial stop reply`);
      client.send('c');
      await new Promise((resolve) => setTimeout(resolve, SPIN_BEFORE_CTRL_C_MS));
      const t0 = performance.now();
      client.raw(Uint8Array.of(3));
      const stop = await client.next(timeoutMs);
      const ms = performance.now() - t0;
      if (!/^[TS]02/.test(stop)) throw new BenchError(`${kind}: Ctrl-C answered with '${stop}', not a SIGINT stop`);
      return ms;
    } finally {
      client.close();
    }
  } finally {
    target.kill('SIGKILL');
  }
}
