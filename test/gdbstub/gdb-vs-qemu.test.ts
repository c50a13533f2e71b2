// Real gdb, batch mode, the same scripts against QEMU TCG and against `guestdbg run --gdb`: the STOP lines
// (stop addresses, registers, memory) must be identical.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { gdbPresent, runGdbBatch } from '../guests/gdb-runner.js';
import { freeTcpPort, qemuPresent, type RunningCommand, startCommand, startQemu } from '../guests/qemu-runner.js';
import { SCENARIOS } from './gdb-scenarios.js';

const root = repoRoot();
const TIMEOUT_MS = 60_000;

async function stopsUnder(start: (port: number) => RunningCommand, guest: string, commands: string[]) {
  const port = await freeTcpPort();
  const vmm = start(port);
  try {
    // The stub may need a moment to listen: retry the connection inside gdb's own timeout.
    const gdb = await runGdbBatch(join('guests', `${guest}.elf`), `127.0.0.1:${port}`, commands, {
      cwd: root,
      timeoutMs: TIMEOUT_MS,
    });
    return { stops: gdb.stdout.split('\n').filter((l) => l.startsWith('STOP ')), gdb };
  } finally {
    vmm.kill();
    await vmm.result;
  }
}

for (const sc of SCENARIOS) {
  test(`gdb vs QEMU: ${sc.name}`, async (t) => {
    if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
    if (!qemuPresent()) return t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)');
    const elf = join('guests', `${sc.guest}.elf`);
    const ref = await stopsUnder(
      (port) =>
        startQemu(elf, { cwd: root, timeoutMs: TIMEOUT_MS, extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`] }),
      sc.guest,
      sc.commands,
    );
    assert.ok(ref.stops.length > 0, `QEMU produced no stops:\n${ref.gdb.stdout}\n${ref.gdb.stderr}`);
    const ours = await stopsUnder(
      (port) =>
        startCommand(
          process.execPath,
          ['dist/src/cli/main.js', 'run', '--serial', 'none', '--gdb', `tcp:127.0.0.1:${port}`, '--wait-gdb', elf],
          { cwd: root, timeoutMs: TIMEOUT_MS },
        ),
      sc.guest,
      sc.commands,
    );
    assert.deepEqual(
      ours.stops,
      ref.stops,
      `guestdbg vs QEMU; guestdbg's gdb said:\n${ours.gdb.stdout}\n${ours.gdb.stderr}`,
    );
  });
}
