// demo.elf as a debugging target, with one gdb script run against two stubs: QEMU TCG's (the reference) and
// guestdbg's (emu backend). "Same image, same gdb script, same stops" (shared/DESIGN.md). The script checks
// what the header of guests/demo.S promises: a breakpoint on demo_loop stops once per iteration with
// counter = 0..4; a write watchpoint on counter then reports the instruction after the store
// (demo_store_done) with the new value; with both removed the guest finishes with its normal output and
// exit status.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { gdbPresent, runGdbBatch } from './gdb-runner.js';
import { type GuestInfo, listGuests } from './guest-catalog.js';
import { freeTcpPort, qemuPresent, type RunningCommand, startCommand, startQemu } from './qemu-runner.js';

const DEMO_ITERATIONS = 5; // guests/demo.S .equ DEMO_ITERATIONS
const TIMEOUT_MS = 60_000;

const root = repoRoot();
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

function demoScript(): string[] {
  const commands: string[] = ['hbreak demo_loop'];
  for (let i = 0; i < DEMO_ITERATIONS; i++) {
    commands.push('continue', 'printf "STOP loop %d %ld\\n", $pc == (long)&demo_loop, *(long *)&counter');
  }
  commands.push('delete', 'watch *(long *)&counter', 'continue');
  commands.push('printf "STOP watch %d %ld\\n", $pc == (long)&demo_store_done, *(long *)&counter');
  commands.push('delete', 'continue');
  return commands;
}

const EXPECTED_STOPS = [
  ...Array.from({ length: DEMO_ITERATIONS }, (_, i) => `STOP loop 1 ${i}`),
  `STOP watch 1 ${DEMO_ITERATIONS}`,
];

/** Runs the script against a VMM started (stopped at entry, gdb on 127.0.0.1:port) by `start`. */
async function runScenario(demo: GuestInfo, start: (port: number) => RunningCommand): Promise<void> {
  const port = await freeTcpPort();
  const vmm = start(port);
  try {
    // gdb retries a refused connection (set tcp auto-retry, on by default) while the stub starts listening.
    const gdb = await runGdbBatch(join('guests', 'demo.elf'), `127.0.0.1:${port}`, demoScript(), {
      cwd: root,
      timeoutMs: TIMEOUT_MS,
    });
    const stops = gdb.stdout.split('\n').filter((l) => l.startsWith('STOP '));
    assert.deepEqual(stops, EXPECTED_STOPS, `gdb stops; gdb stdout:\n${gdb.stdout}\ngdb stderr:\n${gdb.stderr}`);
    const r = await vmm.result;
    assert.equal(r.status, demo.expectedStatus, `VMM exit status; stderr ${r.stderr}`);
    assert.equal(r.stdout, demo.expectedSerial, 'serial output of the debugged run');
  } finally {
    vmm.kill();
  }
}

function demoGuest(): GuestInfo {
  const demo = listGuests().find((g) => g.name === 'demo');
  assert.ok(demo !== undefined, 'guests/demo.elf is missing: run npm run build:guests');
  return demo;
}

test('demo.elf under QEMU + gdb: breakpoint, watchpoint and run to exit', async (t) => {
  if (!qemuPresent()) {
    t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)');
    return;
  }
  if (!gdbPresent()) {
    t.skip('gdb is not installed (apt-get install gdb)');
    return;
  }
  const demo = demoGuest();
  await runScenario(demo, (port) =>
    startQemu(demo.elf, { cwd: root, timeoutMs: TIMEOUT_MS, extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`] }),
  );
});

test('demo.elf under guestdbg (emu) + gdb: the same script gives the same stops', async (t) => {
  if (!gdbPresent()) {
    t.skip('gdb is not installed (apt-get install gdb)');
    return;
  }
  if (!existsSync(cli)) {
    t.skip(`the guestdbg CLI is not built (${cli} is missing): run npm run build`);
    return;
  }
  const demo = demoGuest();
  await runScenario(demo, (port) =>
    startCommand(
      process.execPath,
      [cli, 'run', '--backend', 'emu', '--serial', 'stdio', '--gdb', `tcp:127.0.0.1:${port}`, '--wait-gdb', demo.elf],
      { cwd: root, timeoutMs: TIMEOUT_MS },
    ),
  );
});
