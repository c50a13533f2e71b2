// Every guests/*.elf under QEMU (the reference) and under guestdbg's emu backend: same serial output, same
// exit status. QEMU's own result is also checked against what the guest declares (guest-catalog.ts).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { EMU_CONFIG } from '../../src/backends/emu/config.js';
import { qemuPresent, type RunResult, runCommand, runQemu } from '../../support/qemu-runner.js';
import { type GuestInfo, listGuests, qemuMemoryArgs } from './guest-catalog.js';

const GUEST_TIMEOUT_MS = 60_000;
// loop.elf executes ~400 M instructions: 0.2 s in QEMU TCG, ~0.6 s with the emu's block compiler, about
// a minute in the interpreter alone (GUESTDBG_EMU_JIT=off), where its guestdbg run is opt-in.
const SLOW_GUESTS = EMU_CONFIG.jitThreshold === 0 ? new Set(['loop']) : new Set<string>();
const SLOW_OPT_IN = 'GUESTDBG_SLOW_TESTS';
const SLOW_TIMEOUT_MS = 30 * 60_000;

const root = repoRoot();
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const haveQemu = qemuPresent();
const guests = listGuests();

function describe(r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.signal !== null ? `killed by ${r.signal}` : `status ${r.status}`;
  return `${how} after ${r.durationMs} ms; stdout ${JSON.stringify(r.stdout)}; stderr ${JSON.stringify(r.stderr.slice(0, 2000))}`;
}

function runGuestdbg(g: GuestInfo, timeoutMs: number): Promise<RunResult> {
  const memory = g.memory === undefined ? [] : ['--memory', g.memory];
  return runCommand(process.execPath, [cli, 'run', '--backend', 'emu', '--serial', 'stdio', ...memory, g.elf], {
    cwd: root,
    timeoutMs,
  });
}

// QEMU results are shared by the reference check and the comparison.
const qemuResults = new Map<string, Promise<RunResult>>();
function qemuResult(g: GuestInfo): Promise<RunResult> {
  let p = qemuResults.get(g.name);
  if (p === undefined) {
    p = runQemu(g.elf, { cwd: root, timeoutMs: GUEST_TIMEOUT_MS, extraArgs: qemuMemoryArgs(g) });
    qemuResults.set(g.name, p);
  }
  return p;
}

test('guests/ holds built guests', () => {
  assert.ok(guests.length > 0, 'no guests/*.elf: run `npm run build && npm run build:guests`');
});

for (const g of guests) {
  test(`QEMU runs ${g.name}.elf as declared`, async (t) => {
    if (!haveQemu) {
      t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)');
      return;
    }
    const r = await qemuResult(g);
    assert.ok(!r.timedOut, `${g.name}: QEMU ${describe(r)}`);
    if (g.expectedStatus !== undefined) {
      assert.equal(r.status, g.expectedStatus, `${g.name}: exit status; QEMU ${describe(r)}`);
    } else {
      // No declaration: at least the guest must have reached isa-debug-exit (odd status), not a triple
      // fault (-no-reboot: status 0) or the unhandled-trap exit 0x7f (status 0xff).
      assert.ok(r.status !== null && (r.status & 1) === 1 && r.status !== 0xff, `${g.name}: QEMU ${describe(r)}`);
    }
    if (g.expectedSerial !== undefined) {
      assert.equal(r.stdout, g.expectedSerial, `${g.name}: serial output differs from guests/${g.name}.serial`);
    }
  });

  test(`guestdbg (emu) runs ${g.name}.elf like QEMU`, async (t) => {
    if (!haveQemu) {
      t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86): no reference to compare with');
      return;
    }
    if (!existsSync(cli)) {
      t.skip(`the guestdbg CLI is not built (${cli} is missing): run npm run build`);
      return;
    }
    const slow = SLOW_GUESTS.has(g.name);
    if (slow && process.env[SLOW_OPT_IN] !== '1') {
      t.skip(
        `${g.name} runs ~400 M instructions (about a minute in the interpreter alone, GUESTDBG_EMU_JIT=off); set ${SLOW_OPT_IN}=1 to include it`,
      );
      return;
    }
    const [ref, ours] = await Promise.all([qemuResult(g), runGuestdbg(g, slow ? SLOW_TIMEOUT_MS : GUEST_TIMEOUT_MS)]);
    assert.ok(!ours.timedOut, `${g.name}: guestdbg ${describe(ours)}`);
    assert.equal(ours.stdout, ref.stdout, `${g.name}: serial output; guestdbg ${describe(ours)}`);
    assert.equal(ours.status, ref.status, `${g.name}: exit status; guestdbg ${describe(ours)}; QEMU ${describe(ref)}`);
  });
}
