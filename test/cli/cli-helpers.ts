// Spawning the built CLI (the bundle, dist/bundle/cli/main.js) the way a user runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/cli/ → dist/bundle/cli/main.js */
export const CLI = fileURLToPath(new URL('../../bundle/cli/main.js', import.meta.url));
/** Tests run from the package root (npm test); guests/ is there. */
export const GUESTS = 'guests';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 60_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'guestdbg-cli-'));
}

/** stderr is exactly one `guestdbg: ...` line, with no stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  if (lines.length !== 1 || !lines[0]!.startsWith('guestdbg: ') || /\n\s+at /.test(stderr)) {
    throw new Error(`expected one 'guestdbg:' line on stderr, got:\n${stderr}`);
  }
  return lines[0]!;
}
