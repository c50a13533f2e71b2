// Real gdb, batch mode, the same scripts against QEMU TCG and against `guestdbg run --gdb`: the STOP lines
// (stop addresses, registers, memory) must be identical.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { openHypervisor } from '../../src/index.js';
import { gdbPresent, runGdbBatch } from '../../support/gdb-runner.js';
import { freeTcpPort, qemuPresent, startQemu } from '../../support/qemu-runner.js';
import { SCENARIOS } from './gdb-scenarios.js';
import { startStub } from './stub-process.js';

const root = repoRoot();
const TIMEOUT_MS = 60_000;

/** A VMM serving gdb on `port`: QEMU or guestdbg. */
interface Vmm {
  port: number;
  kill(): void;
  done: Promise<unknown>;
}

async function qemuVmm(elf: string): Promise<Vmm> {
  const port = await freeTcpPort();
  const q = startQemu(elf, { cwd: root, timeoutMs: TIMEOUT_MS, extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`] });
  return { port, kill: q.kill, done: q.result };
}

async function guestdbgVmm(guest: string, extra: string[]): Promise<Vmm> {
  const s = await startStub(guest, ['--wait-gdb', ...extra]);
  return { port: s.port, kill: s.kill, done: s.exited };
}

async function stopsUnder(vmm: Vmm, guest: string, commands: string[]) {
  const port = vmm.port;
  try {
    const gdb = await runGdbBatch(join('guests', `${guest}.elf`), `127.0.0.1:${port}`, commands, {
      cwd: root,
      timeoutMs: TIMEOUT_MS,
    });
    return { stops: gdb.stdout.split('\n').filter((l) => l.startsWith('STOP ')), gdb };
  } finally {
    vmm.kill();
    await vmm.done;
  }
}

/**
 * Each scenario runs on emu twice (guestdbg's soft breakpoints, and the kvm backend's mechanisms) and on the
 * kvm backend where /dev/kvm opens (its breakpoint mechanisms then follow what the capability probe saw work).
 */
const MODES: { name: string; args: string[]; unavailable?: () => string | undefined }[] = [
  { name: 'emu, soft breakpoints', args: [] },
  { name: 'emu, kvm-style breakpoints', args: ['--kvm-style-breakpoints'] },
  { name: 'kvm', args: ['--backend', 'kvm'], unavailable: kvmUnavailable },
];

function kvmUnavailable(): string | undefined {
  try {
    openHypervisor({ backend: 'kvm' }).close();
    return undefined;
  } catch (e) {
    return `kvm backend unavailable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

for (const sc of SCENARIOS) {
  test(`gdb vs QEMU: ${sc.name}`, async (t) => {
    if (!gdbPresent()) return t.skip('gdb is not installed (apt-get install gdb)');
    if (!qemuPresent()) return t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)');
    const elf = join('guests', `${sc.guest}.elf`);
    const ref = await stopsUnder(await qemuVmm(elf), sc.guest, sc.commands);
    assert.ok(ref.stops.length > 0, `QEMU produced no stops:\n${ref.gdb.stdout}\n${ref.gdb.stderr}`);
    for (const mode of MODES) {
      await t.test(mode.name, async (st) => {
        const why = mode.unavailable?.();
        if (why !== undefined) return st.skip(why);
        const ours = await stopsUnder(await guestdbgVmm(sc.guest, mode.args), sc.guest, sc.commands);
        assert.deepEqual(
          ours.stops,
          ref.stops,
          `guestdbg (${mode.name}) vs QEMU; guestdbg's gdb said:\n${ours.gdb.stdout}\n${ours.gdb.stderr}`,
        );
      });
    }
  });
}
