// `guestdbg run --gdb` with bad input: one line on stderr naming the fix, status 2, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { startStub } from './stub-process.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/bundle/cli/main.js', 'run', ...args], { cwd: repoRoot(), encoding: 'utf8' });

function oneLine(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

test('bad --gdb addresses and option combinations', () => {
  oneLine(run('--gdb', 'nonsense', 'guests/hello.elf'), /expected tcp:HOST:PORT, :PORT or unix:PATH/);
  oneLine(run('--gdb', ':99999', 'guests/hello.elf'), /expected tcp:HOST:PORT/);
  oneLine(run('--wait-gdb', 'guests/hello.elf'), /need --gdb/);
  oneLine(run('--gdb', ':0', '--timeout', '3', 'guests/hello.elf'), /--timeout does not apply under --gdb/);
  oneLine(run('--gdb', 'unix:/nonexistent-dir/g.sock', 'guests/hello.elf'), /directory exists and is writable/);
});

test('a port already in use is named, with another to try', async () => {
  const first = await startStub('hello', ['--wait-gdb']);
  try {
    oneLine(run('--gdb', `:${first.port}`, 'guests/hello.elf'), /EADDRINUSE.*pick another port/);
  } finally {
    first.kill();
    await first.exited;
  }
});
