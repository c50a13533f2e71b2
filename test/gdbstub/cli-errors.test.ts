// `guestdbg run --gdb` with bad input: one line on stderr naming the fix, status 2, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { frame } from '../../src/gdbstub/packet.js';
import { RspClient } from '../../support/rsp-client.js';
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
  oneLine(
    run('--gdb', 'nonsense', 'guests/hello.elf'),
    /expected tcp:HOST:PORT, :PORT, tcp:\[IPv6\]:PORT or unix:PATH/,
  );
  oneLine(run('--gdb', ':99999', 'guests/hello.elf'), /expected tcp:HOST:PORT/);
  oneLine(run('--wait-gdb', 'guests/hello.elf'), /need --gdb/);
  oneLine(run('--gdb', ':0', '--timeout', '3', 'guests/hello.elf'), /--timeout does not apply under --gdb/);
  oneLine(run('--gdb', 'unix:/nonexistent-dir/g.sock', 'guests/hello.elf'), /directory exists and is writable/);
});

test('--gdb unix: on a directory or a plain file is a user error that leaves the path alone (issue 12 items 9, 10)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-gdb-'));
  oneLine(run('--gdb', `unix:${dir}`, 'guests/hello.elf'), /\(EISDIR\): that path is a directory; name a socket file/);
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'keep me');
  oneLine(run('--gdb', `unix:${file}`, 'guests/hello.elf'), /\(ENOTSOCK\): .*not a socket; pick another path/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
  oneLine(run('--gdb', 'tcp:::1234', 'guests/hello.elf'), /write IPv6 in brackets, e\.g\. tcp:\[::1\]:1234/);
});

test('the unix socket file is removed when guestdbg ends, also by SIGTERM or SIGINT (issue 12 item 10)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-gdb-'));
  const path = join(dir, 'g.sock');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const stub = await startStub('hello', ['--wait-gdb'], `unix:${path}`);
    assert.ok(existsSync(path), 'the stub listens on the socket');
    stub.kill(signal);
    await stub.exited;
    assert.equal(existsSync(path), false, `the socket file stays behind after ${signal}`);
  }
  const stub = await startStub('hello', ['--wait-gdb'], `unix:${path}`);
  const c = connect(path, () => c.write(frame('k')));
  c.on('error', () => {});
  await stub.exited;
  c.destroy();
  assert.equal(existsSync(path), false, 'the socket file stays behind after gdb kill');
});

/** Starts a stub on `listen`, connects to `connectTo` (the reported port), returns its stderr. */
async function listenLog(listen: string, connectTo: string): Promise<string> {
  const stub = await startStub('hello', ['--wait-gdb'], listen);
  try {
    const c = await RspClient.connect(stub.port, connectTo);
    assert.match(await c.request('?'), /^T/);
    c.close();
    return stub.stderr();
  } finally {
    stub.kill();
    await stub.exited;
  }
}

test('--gdb decides loopback by resolved address and serves IPv6 (issue 12 item 10)', async (t) => {
  const noWarning = (log: string) => assert.doesNotMatch(log, /warning/, log);
  noWarning(await listenLog('tcp:0x7f000001:0', '127.0.0.1'));
  noWarning(await listenLog('tcp:127.1.2.3:0', '127.1.2.3'));
  if (!hasIpv6()) {
    t.skip('this host has no IPv6 loopback (::1)');
    return;
  }
  noWarning(await listenLog('tcp:[::1]:0', '::1'));
  assert.match(await listenLog('tcp:[::]:0', '::1'), /warning: gdb stub listening on \[::\]:0: anyone who can reach/);
  assert.match(await listenLog('tcp:0.0.0.0:0', '127.0.0.1'), /warning: gdb stub listening on 0\.0\.0\.0:0/);
});

function hasIpv6(): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === '::1'));
}

test('a port already in use is named, with another to try', async () => {
  const first = await startStub('hello', ['--wait-gdb']);
  try {
    oneLine(run('--gdb', `:${first.port}`, 'guests/hello.elf'), /EADDRINUSE.*pick another port/);
  } finally {
    first.kill();
    await first.exited;
  }
});
