// Whole gdb sessions against guestdbg alone (things QEMU cannot be compared on): continue to the guest's exit
// with its status, detach leaving memory byte-identical, re-attach to a running guest, a dropped connection.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { gdbPresent, runGdbBatch } from '../../support/gdb-runner.js';
import { RspClient } from '../../support/rsp-client.js';
import { SPINNING, startStub, symbol } from './stub-process.js';

const root = repoRoot();
const TIMEOUT_MS = 60_000;

const gdb = (guest: string, port: number, commands: string[]) =>
  runGdbBatch(join('guests', `${guest}.elf`), `127.0.0.1:${port}`, commands, { cwd: root, timeoutMs: TIMEOUT_MS });

test('continue to the end: gdb sees the exit code, guestdbg exits with the guest status', async (t) => {
  if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
  const stub = await startStub('demo', ['--wait-gdb']);
  try {
    const r = await gdb('demo', stub.port, ['break demo_func', 'continue', 'delete', 'continue']);
    // demo exits with 0x11: (0x11 << 1) | 1 = 35 = 043 in gdb's octal.
    assert.match(r.stdout + r.stderr, /exited with code 043/);
    assert.equal(await stub.exited, 35);
  } finally {
    stub.kill();
  }
});

for (const mode of [[], ['--kvm-style-breakpoints']]) {
  const label = mode.length ? 'kvm-style' : 'soft';
  test(`detach leaves guest memory byte-identical and the guest runs on (${label} breakpoints)`, async (t) => {
    if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
    const stub = await startStub(SPINNING.guest, ['--wait-gdb', ...SPINNING.args, ...mode]);
    try {
      const body = symbol(SPINNING.guest, SPINNING.body);
      const at = (off: number) => (body + BigInt(off)).toString(16);
      const c = await RspClient.connect(stub.port);
      assert.match(await c.request('?'), /^T/);
      const region = `m${at(-16)},40`;
      const before = await c.request(region);
      for (const z of [`Z0,${at(0)},1`, `Z1,${at(4)},1`, `Z0,${at(8)},1`]) assert.equal(await c.request(z), 'OK');
      assert.match(await c.request('c'), /^T05/);
      // While breakpoints are in, reads still show the guest's own bytes.
      assert.equal(await c.request(region), before);
      assert.equal(await c.request('D'), 'OK');
      c.close();
      // The guest runs on; a new debugger stops it and finds the code as it was.
      await stub.disconnects(1);
      const d = await RspClient.connect(stub.port);
      assert.match(await d.request('?'), /^T02/);
      assert.equal(await d.request(region), before);
      d.send('k');
      await stub.exited;
    } finally {
      stub.kill();
    }
  });
}

test('re-attach to a running guest; a dropped connection leaves it paused without breakpoints', async (t) => {
  if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
  // Without --wait-gdb the guest starts at once (QEMU's -s).
  const stub = await startStub(SPINNING.guest, [...SPINNING.args, '--kvm-style-breakpoints']);
  try {
    const first = await gdb(SPINNING.guest, stub.port, ['printf "STOP %lx\\n", $pc', 'detach']);
    assert.match(first.stdout, /STOP [0-9a-f]+/);
    await stub.disconnects(1);
    const body = symbol(SPINNING.guest, SPINNING.body).toString(16);
    const c = await RspClient.connect(stub.port);
    assert.match(await c.request('?'), /^T02/);
    const code = await c.request(`m${body},10`);
    assert.equal(await c.request(`Z0,${body},1`), 'OK');
    assert.match(await c.request('c'), /^T05.*swbreak/);
    c.close(); // no detach: the connection just drops
    await stub.disconnects(2);
    const d = await RspClient.connect(stub.port);
    const stop = await d.request('?');
    assert.match(stop, /^T0[25]/, 'still stopped where the dropped debugger left it');
    // The int3 is gone from RAM: with no debugger, a stepped instruction is the guest's own.
    assert.equal(await d.request(`m${body},10`), code);
    assert.match(await d.request('s'), /^T05/);
    d.send('k');
    await stub.exited;
  } finally {
    stub.kill();
  }
});

for (const mode of [[], ['--kvm-style-breakpoints']]) {
  const label = mode.length ? 'kvm-style' : 'soft';
  test(`a guest that debugs itself (strict debug_unit: TF, DRs, ICEBP, int3) passes under gdb (${label} breakpoints)`, async (t) => {
    if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
    const stub = await startStub('debug_unit', ['--wait-gdb', '--cmdline', 'strict', ...mode]);
    try {
      // A breakpoint on the exit path. With kvm-style breakpoints it is an int3 under USE_SW_BP, so every int3
      // the guest executes for itself exits to the debugger and must be re-injected; the guest's own DR0-7 stay
      // in effect (a gdb hbreak would take the debug registers from it, as on KVM).
      const r = await gdb('debug_unit', stub.port, [
        'break exit_guest',
        'continue',
        'printf "STOP exit=%x\\n", $rdi',
        'kill',
      ]);
      assert.match(r.stdout, /STOP exit=30\b/, `debug_unit reported failures under gdb:\n${r.stdout}\n${r.stderr}`);
    } finally {
      stub.kill();
    }
  });
}
