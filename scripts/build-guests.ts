// Builds every guests/*.S into guests/<name>.elf (or into --out DIR): `npm run build:guests`.
//
// Each guest is assembled with `as --64 -g -I guests/lib` and linked with guests/lib/pvh.S through
// guests/guest.ld. Output is deterministic: relative source paths, the repository root mapped to "." in
// DWARF (--debug-prefix-map), no build id, fixed object order. Symbols and debug info are kept because gdb
// users and tests look up labels (demo_loop, counter, ...).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildOptions {
  /** Directory the ELFs are written to (default: guests/ of the repository). */
  outDir?: string;
  /** Only these guest names (file names without .S); default: all. */
  only?: readonly string[];
  /** Called once per built guest. */
  log?: (line: string) => void;
}

export interface BuiltGuest {
  name: string;
  elf: string;
}

export class ToolMissingError extends Error {
  constructor(tool: string) {
    super(`${tool} not found on PATH: install binutils: apt-get install binutils`);
    this.name = 'ToolMissingError';
  }
}

export class GuestBuildError extends Error {
  constructor(what: string, output: string) {
    super(`${what} failed:\n${output.trim()}`);
    this.name = 'GuestBuildError';
  }
}

/** The repository root: dist/scripts/build-guests.js -> ../.. ; scripts/build-guests.ts -> .. */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = basename(dirname(here)) === 'dist' ? '../..' : '..';
  return resolve(here, up);
}

/** True when both `as` and `ld` can be run. */
export function binutilsPresent(): boolean {
  return ['as', 'ld'].every((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** Guest names: every guests/*.S, sorted. */
export function guestNames(root: string = repoRoot()): string[] {
  return readdirSync(join(root, 'guests'))
    .filter((f) => f.endsWith('.S'))
    .map((f) => f.slice(0, -2))
    .sort();
}

function run(tool: string, args: readonly string[], cwd: string, what: string): void {
  const r = spawnSync(tool, args, { cwd, encoding: 'utf8' });
  if (r.error !== undefined) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new ToolMissingError(tool);
    throw r.error;
  }
  // ld warnings go to stderr with status 0; surface them so nobody commits an image built with warnings.
  if (r.status !== 0 || r.stderr.trim() !== '') throw new GuestBuildError(what, r.stderr + r.stdout);
}

export function buildGuests(options: BuildOptions = {}): BuiltGuest[] {
  const root = repoRoot();
  const outDir = resolve(options.outDir ?? join(root, 'guests'));
  const names = options.only !== undefined ? [...options.only] : guestNames(root);
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'guestdbg-guests-'));
  // Sources are passed relative to the root and the root is mapped to "." so the DWARF is the same in
  // every checkout.
  const asFlags = ['--64', '-g', `--debug-prefix-map=${root}=.`, '-I', 'guests/lib'];
  try {
    const libObj = join(tmp, 'pvh.o');
    run('as', [...asFlags, '-o', libObj, 'guests/lib/pvh.S'], root, 'as guests/lib/pvh.S');
    const built: BuiltGuest[] = [];
    for (const name of names) {
      const obj = join(tmp, `${name}.o`);
      const elf = join(outDir, `${name}.elf`);
      run('as', [...asFlags, '-o', obj, `guests/${name}.S`], root, `as guests/${name}.S`);
      run(
        'ld',
        ['-T', 'guests/guest.ld', '--build-id=none', '-z', 'noexecstack', '-o', elf, libObj, obj],
        root,
        `ld guests/${name}.elf`,
      );
      built.push({ name, elf });
      options.log?.(`built ${name.padEnd(12)} -> ${elf}`);
    }
    return built;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function parseArgs(argv: readonly string[]): BuildOptions {
  const options: BuildOptions = { log: (line) => console.log(line) };
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') {
      const dir = argv[++i];
      if (dir === undefined) throw new Error('--out needs a directory: build-guests --out DIR [name...]');
      options.outDir = dir;
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: build-guests [--out DIR] [name...]   (default: every guests/*.S into guests/)');
      process.exit(0);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}: usage: build-guests [--out DIR] [name...]`);
    } else {
      only.push(arg.replace(/\.S$/, ''));
    }
  }
  if (only.length > 0) options.only = only;
  return options;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    buildGuests(parseArgs(process.argv.slice(2)));
  } catch (e) {
    console.error(`build-guests: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
