// `guestdbg run --gdb` as a child process for tests: started, and awaited until its stub listens (it says so
// on stderr; on a loaded machine that takes longer than gdb's own connection retries).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/build-guests.js';
import { ElfBytes, readHeader, readSectionHeaders, readSymbols } from '../../src/machine/boot/elf.js';
import { freeTcpPort } from '../../support/qemu-runner.js';

export interface StubProcess {
  port: number;
  pid: number;
  /** The process exit status once it ends. */
  exited: Promise<number | null>;
  stderr(): string;
  /** Resolves once the stub has logged the end of `count` gdb connections in all: only then may the next
   *  debugger attach (gdb's process can exit before the stub has seen its connection close). */
  disconnects(count: number): Promise<void>;
  /** SIGKILL unless another signal is named. */
  kill(signal?: NodeJS.Signals): void;
}

const DISCONNECTED = 'gdb: disconnected';

const START_TIMEOUT_MS = 60_000;

/** A guest that runs on for as long as any test needs (guests/bench/loop.elf with an iteration count that
 *  outlasts it; guests/loop.elf ends within a second on the compiled emu): its name, `run` options, loop label. */
export const SPINNING = { guest: 'bench/loop', args: ['--cmdline', 'n=1000000000000'], body: 'bench_loop_body' };

/**
 * Starts guestdbg serving guests/<guest>.elf on `listen` (default: a free loopback port); `extra` are more
 * `run` options. `port` is the one the stub reports (0 for a unix socket).
 */
export async function startStub(guest: string, extra: readonly string[] = [], listen?: string): Promise<StubProcess> {
  const where = listen ?? `tcp:127.0.0.1:${await freeTcpPort()}`;
  const args = ['dist/bundle/cli/main.js', 'run', '--serial', 'none', '--gdb', where, ...extra];
  const child = spawn(process.execPath, [...args, `guests/${guest}.elf`], {
    cwd: repoRoot(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const disconnects = async (count: number) => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (err.split(DISCONNECTED).length - 1 < count) {
      if (Date.now() > deadline) throw new Error(`the stub never logged ${count} x "${DISCONNECTED}": ${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const stub: StubProcess = {
    port: 0,
    pid: child.pid ?? 0,
    exited,
    stderr: () => err,
    disconnects,
    kill: (signal = 'SIGKILL') => child.kill(signal),
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`guestdbg's stub did not start: ${err}`)), START_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const on = /gdb stub on (\S+?);/.exec(err);
      if (on) {
        stub.port = Number(/:(\d+)$/.exec(on[1]!)?.[1] ?? 0);
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`guestdbg exited before its stub listened: ${err}`));
    });
  });
  return stub;
}

/** A symbol's address from the guest ELF's symbol table. */
export function symbol(guest: string, name: string): bigint {
  const r = new ElfBytes(readFileSync(join(repoRoot(), 'guests', `${guest}.elf`)));
  const h = readHeader(r);
  const v = readSymbols(r, h, readSectionHeaders(r, h)).get(name);
  assert.ok(v !== undefined, `${guest}.elf has no symbol ${name}`);
  return v;
}

/** A process's resident set size in bytes (Linux /proc/PID/status VmRSS); undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
