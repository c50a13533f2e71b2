// Real gdb, batch mode, the same scripts against QEMU TCG and against `guestdbg run --gdb`: the STOP lines
// (stop addresses, registers, memory) must be identical.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { gdbPresent, runGdbBatch } from '../guests/gdb-runner.js';
import { freeTcpPort, qemuPresent, type RunningCommand, type RunResult, startQemu } from '../guests/qemu-runner.js';
import { SCENARIOS } from './gdb-scenarios.js';

const root = repoRoot();
const TIMEOUT_MS = 60_000;

/**
 * Starts `guestdbg run --gdb` and resolves once its stub listens (it says so on stderr); on a loaded machine
 * that can take longer than gdb's own connection retries.
 */
function startGuestdbg(args: string[]): Promise<RunningCommand> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const result = new Promise<RunResult>((resolve) => {
    child.on('close', (status, signal) =>
      resolve({ status, signal, stdout: '', stderr, timedOut: false, durationMs: 0 }),
    );
  });
  const running: RunningCommand = { pid: child.pid, kill: () => child.kill('SIGKILL'), result };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`guestdbg's stub did not start: ${stderr}`)), TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('gdb stub on')) {
        clearTimeout(timer);
        resolve(running);
      }
    });
    void result.then(() => reject(new Error(`guestdbg exited before its stub listened: ${stderr}`)));
  });
}

async function stopsUnder(start: (port: number) => Promise<RunningCommand>, guest: string, commands: string[]) {
  const port = await freeTcpPort();
  const vmm = await start(port);
  try {
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

/** Each scenario runs on emu twice: with guestdbg's soft breakpoints, and with the kvm backend's mechanisms. */
const MODES: { name: string; args: string[] }[] = [
  { name: 'soft breakpoints', args: [] },
  { name: 'kvm-style breakpoints', args: ['--kvm-style-breakpoints'] },
];

for (const sc of SCENARIOS) {
  test(`gdb vs QEMU: ${sc.name}`, async (t) => {
    if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
    if (!qemuPresent()) return t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)');
    const elf = join('guests', `${sc.guest}.elf`);
    const ref = await stopsUnder(
      async (port) =>
        startQemu(elf, { cwd: root, timeoutMs: TIMEOUT_MS, extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`] }),
      sc.guest,
      sc.commands,
    );
    assert.ok(ref.stops.length > 0, `QEMU produced no stops:\n${ref.gdb.stdout}\n${ref.gdb.stderr}`);
    for (const mode of MODES) {
      const ours = await stopsUnder(
        (port) =>
          startGuestdbg(['run', '--serial', 'none', '--gdb', `tcp:127.0.0.1:${port}`, '--wait-gdb', ...mode.args, elf]),
        sc.guest,
        sc.commands,
      );
      assert.deepEqual(
        ours.stops,
        ref.stops,
        `guestdbg (${mode.name}) vs QEMU; guestdbg's gdb said:\n${ours.gdb.stdout}\n${ours.gdb.stderr}`,
      );
    }
  });
}
