// demo.elf as a debugging target under the reference (QEMU TCG's gdbstub + real gdb): the labels its header
// promises behave as promised. A breakpoint on demo_loop stops once per iteration with counter = 0..4; a
// write watchpoint on counter reports the instruction after demo_store (demo_store_done); removing them lets
// the guest finish with its normal output and exit status.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { gdbPresent, runGdbBatch } from './gdb-runner.js';
import { listGuests } from './guest-catalog.js';
import { freeTcpPort, qemuPresent, startQemu } from './qemu-runner.js';

const DEMO_ITERATIONS = 5; // guests/demo.S .equ DEMO_ITERATIONS

test('demo.elf under QEMU + gdb: breakpoint, watchpoint and run to exit', async (t) => {
  if (!qemuPresent()) {
    t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)');
    return;
  }
  if (!gdbPresent()) {
    t.skip('gdb is not installed (apt-get install gdb)');
    return;
  }
  const root = repoRoot();
  const demo = listGuests().find((g) => g.name === 'demo');
  assert.ok(demo !== undefined, 'guests/demo.elf is missing: run npm run build:guests');
  const port = await freeTcpPort();
  const qemu = startQemu(demo.elf, {
    cwd: root,
    timeoutMs: 60_000,
    extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`],
  });
  try {
    const commands: string[] = ['hbreak demo_loop'];
    for (let i = 0; i < DEMO_ITERATIONS; i++) {
      commands.push('continue', 'printf "STOP loop %d %ld\\n", $pc == (long)&demo_loop, *(long *)&counter');
    }
    commands.push('delete', 'watch *(long *)&counter', 'continue');
    commands.push('printf "STOP watch %d %ld\\n", $pc == (long)&demo_store_done, *(long *)&counter');
    commands.push('delete', 'continue');
    const gdb = await runGdbBatch(join('guests', 'demo.elf'), `127.0.0.1:${port}`, commands, {
      cwd: root,
      timeoutMs: 60_000,
    });
    const stops = gdb.stdout.split('\n').filter((l) => l.startsWith('STOP '));
    const expected = [
      ...Array.from({ length: DEMO_ITERATIONS }, (_, i) => `STOP loop 1 ${i}`),
      `STOP watch 1 ${DEMO_ITERATIONS}`,
    ];
    assert.deepEqual(stops, expected, `gdb stops; gdb stdout:\n${gdb.stdout}\ngdb stderr:\n${gdb.stderr}`);
    const r = await qemu.result;
    assert.equal(r.status, demo.expectedStatus, `QEMU exit status; stderr ${r.stderr}`);
    assert.equal(r.stdout, demo.expectedSerial, 'serial output of the debugged run');
  } finally {
    qemu.kill();
  }
});
