// Builds the benchmark guests: guests/bench/<name>.{S,c} -> guests/bench/<name>.elf (`node dist/bench/build-guests.js`).
//
// Every guest links guests/lib/pvh.S (startup, COM1, isa-debug-exit), guests/bench/rt.S (the common `main`:
// `n=` from the command line, the measured region) and its own workload, through guests/guest.ld. C workloads
// are compiled freestanding (see CFLAGS). Output is deterministic like scripts/build-guests.ts: relative
// source paths, the repository root mapped to "." in DWARF, no build id, fixed object order.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuestBuildError, repoRoot, ToolMissingError } from '../scripts/build-guests.js';

export const BENCH_GUEST_DIR = 'guests/bench';
/** rt.S is the shared runtime, not a workload. */
const RUNTIME = 'rt';

/**
 * -ffreestanding -nostdlib: no libc; -mno-red-zone: the trap stubs push on the interrupted stack;
 * -mgeneral-regs-only: pvh.S leaves CR4.OSFXSR clear, so SSE/x87 would #UD; -fno-pie: linked at 1 MiB;
 * -fcf-protection=none: no endbr64 (not every backend decodes it); -fno-tree-loop-distribute-patterns:
 * no hidden memset/memcpy calls.
 */
export const CFLAGS: readonly string[] = [
  '-O2',
  '-ffreestanding',
  '-nostdlib',
  '-mno-red-zone',
  '-mgeneral-regs-only',
  '-fno-pie',
  '-fno-pic',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fcf-protection=none',
  '-fno-tree-loop-distribute-patterns',
  '-fno-strict-aliasing',
  '-g',
];

export interface BenchGuestSource {
  name: string;
  /** Path relative to the repository root. */
  source: string;
  language: 'asm' | 'c';
}

/** Workload sources in guests/bench/, sorted by name. */
export function benchGuestSources(root: string = repoRoot()): BenchGuestSource[] {
  return readdirSync(join(root, BENCH_GUEST_DIR))
    .flatMap((f): BenchGuestSource[] => {
      const m = /^(.+)\.(S|c)$/.exec(f);
      if (!m || m[1] === RUNTIME) return [];
      return [{ name: m[1]!, source: `${BENCH_GUEST_DIR}/${f}`, language: m[2] === 'c' ? 'c' : 'asm' }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function run(tool: string, args: readonly string[], cwd: string, what: string): void {
  const r = spawnSync(tool, args, { cwd, encoding: 'utf8' });
  if (r.error !== undefined) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (tool === 'gcc') throw new Error('gcc not found on PATH: install it: apt-get install gcc');
      throw new ToolMissingError(tool);
    }
    throw r.error;
  }
  if (r.status !== 0 || r.stderr.trim() !== '') throw new GuestBuildError(what, r.stderr + r.stdout);
}

export function benchElfPath(name: string, root: string = repoRoot()): string {
  return join(root, BENCH_GUEST_DIR, `${name}.elf`);
}

/** Builds every workload (or `only`); returns the ELF paths. */
export function buildBenchGuests(only?: readonly string[], log?: (line: string) => void): string[] {
  const root = repoRoot();
  const sources = benchGuestSources(root).filter((s) => only === undefined || only.includes(s.name));
  const tmp = mkdtempSync(join(tmpdir(), 'guestdbg-bench-guests-'));
  const prefixMap = `=${root}=.`;
  const asFlags = ['--64', '-g', `--debug-prefix-map${prefixMap}`, '-I', 'guests/lib'];
  try {
    const pvhObj = join(tmp, 'pvh.o');
    const rtObj = join(tmp, 'rt.o');
    run('as', [...asFlags, '-o', pvhObj, 'guests/lib/pvh.S'], root, 'as guests/lib/pvh.S');
    run('as', [...asFlags, '-o', rtObj, `${BENCH_GUEST_DIR}/${RUNTIME}.S`], root, `as ${BENCH_GUEST_DIR}/rt.S`);
    const built: string[] = [];
    for (const s of sources) {
      const obj = join(tmp, `${s.name}.o`);
      if (s.language === 'asm') run('as', [...asFlags, '-o', obj, s.source], root, `as ${s.source}`);
      else
        run('gcc', [...CFLAGS, `-fdebug-prefix-map${prefixMap}`, '-c', '-o', obj, s.source], root, `gcc ${s.source}`);
      const elf = benchElfPath(s.name, root);
      run(
        'ld',
        ['-T', 'guests/guest.ld', '--build-id=none', '-z', 'noexecstack', '-o', elf, pvhObj, rtObj, obj],
        root,
        `ld ${elf}`,
      );
      built.push(elf);
      log?.(`built ${s.name.padEnd(10)} -> ${elf}`);
    }
    return built;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Names of workloads whose ELF is missing. */
export function missingBenchElves(root: string = repoRoot()): string[] {
  return benchGuestSources(root)
    .filter((s) => !existsSync(benchElfPath(s.name, root)))
    .map((s) => s.name);
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
    buildBenchGuests(only.length > 0 ? only : undefined, (line) => console.log(line));
  } catch (e) {
    console.error(`build-bench-guests: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
