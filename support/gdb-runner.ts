// Runs gdb in batch mode against a remote stub (QEMU's -gdb, or guestdbg's stub): the "same image, same gdb
// script, same stops" oracle of docs/architecture.md. Commands are passed with -ex, one per element.

import { spawnSync } from 'node:child_process';
import { type RunOptions, type RunResult, runCommand } from './qemu-runner.js';

export const GDB_BINARY = 'gdb';

/** True when gdb is on PATH and runs. */
export function gdbPresent(): boolean {
  const r = spawnSync(GDB_BINARY, ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/**
 * gdb -nx -batch on `elf` (for its symbols and line info), connected to `target` (e.g. "127.0.0.1:1234"),
 * running `commands` in order. Batch mode stops at the first command that fails.
 */
export function runGdbBatch(
  elf: string,
  target: string,
  commands: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const args = ['-nx', '-q', '-batch', '-ex', 'set confirm off', '-ex', `target remote ${target}`];
  for (const c of commands) args.push('-ex', c);
  args.push(elf);
  return runCommand(GDB_BINARY, args, options);
}
