// Runs a guest ELF under QEMU, the reference VMM of the boot contract (docs/architecture.md):
//   qemu-system-x86_64 -M microvm -accel tcg -nodefaults -nographic -serial stdio -no-reboot
//     -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel guest.elf
// COM1 goes to stdout; a guest write of v to port 0xf4 makes QEMU exit with status (v << 1) | 1.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const QEMU_BINARY = 'qemu-system-x86_64';

export const QEMU_REFERENCE_ARGS: readonly string[] = [
  '-M',
  'microvm',
  '-accel',
  'tcg',
  '-nodefaults',
  '-nographic',
  '-serial',
  'stdio',
  '-no-reboot',
  '-device',
  'isa-debug-exit,iobase=0xf4,iosize=4',
];

export interface RunResult {
  /** Process exit status; null when it was killed (timeout) or died from a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  /** Everything written to stdout: for QEMU and guestdbg with `--serial stdio`, the guest's COM1 output. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
}

/** True when qemu-system-x86_64 is on PATH and runs. */
export function qemuPresent(): boolean {
  const r = spawnSync(QEMU_BINARY, ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** The reference command line for one guest; `extraArgs` go before -kernel (e.g. ['-s', '-S'] for gdb). */
export function qemuArgs(elf: string, extraArgs: readonly string[] = []): string[] {
  return [...QEMU_REFERENCE_ARGS, ...extraArgs, '-kernel', elf];
}

/** A started process: its pid, a way to stop it, and its result once it has exited. */
export interface RunningCommand {
  pid: number | undefined;
  /** SIGKILL the process (no-op once it has exited). */
  kill(): void;
  result: Promise<RunResult>;
}

/** Starts a command, collecting stdout/stderr; after timeoutMs it is killed with SIGKILL. */
export function startCommand(command: string, args: readonly string[], options: RunOptions = {}): RunningCommand {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let timedOut = false;
  let exited = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      exited = true;
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      exited = true;
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString('latin1'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Date.now() - started,
      });
    });
  });
  return {
    pid: child.pid,
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
    result,
  };
}

/** Runs a command to completion (or until timeoutMs, then SIGKILL), collecting stdout/stderr. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return startCommand(command, args, options).result;
}

/** Runs one guest under QEMU with the reference command line. */
export function runQemu(elf: string, options: RunOptions & { extraArgs?: readonly string[] } = {}): Promise<RunResult> {
  return runCommand(QEMU_BINARY, qemuArgs(elf, options.extraArgs), options);
}

/**
 * Starts one guest under QEMU without waiting for it, e.g. with extraArgs ['-S', '-gdb', 'tcp:127.0.0.1:PORT']
 * for a gdb session (see gdb-runner.ts, demo-gdb.test.ts). The caller must await `result` or call `kill()`.
 */
export function startQemu(elf: string, options: RunOptions & { extraArgs?: readonly string[] } = {}): RunningCommand {
  return startCommand(QEMU_BINARY, qemuArgs(elf, options.extraArgs), options);
}

/** A TCP port that was free a moment ago on 127.0.0.1 (bind to port 0, read it, close). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free TCP port'))));
    });
  });
}

/** The VMM exit status a guest produces by writing `value` to isa-debug-exit (8-bit process status). */
export function debugExitStatus(value: number): number {
  return ((value << 1) | 1) & 0xff;
}
