// Every guest under guests/ runs to its end on the emu backend (prepareGuest + runToEnd, the machine's
// single-thread path) and must produce the COM1 output and isa-debug-exit status that QEMU TCG produces:
// the expectations recorded beside each guest (checked under QEMU by the GUESTS helper) and, when
// qemu-system-x86_64 is installed, a live QEMU run of the same ELF.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMU_CONFIG } from '../../src/backends/emu/config.js';
import { openHypervisor } from '../../src/index.js';
import { prepareGuest } from '../../src/machine/boot/prepare.js';
import { runToEnd } from '../../src/machine/threads/run-to-end.js';
import { qemuPresent, runQemu } from '../../support/qemu-runner.js';
import { guestMemoryBytes, listGuests, qemuMemoryArgs } from '../guests/guest-catalog.js';

/** Guests too long for one test run in the interpreter alone (GUESTDBG_EMU_JIT=off): name -> reason. */
const SLOW: Record<string, string> =
  EMU_CONFIG.jitThreshold === 0
    ? {
        loop: '400 M instructions take ~20 s in the interpreter alone (GUESTDBG_EMU_JIT=off; ~0.6 s compiled), too close to the 30 s per-file budget under parallel tests',
      }
    : {};

const haveQemu = qemuPresent();

function runOnEmu(elf: string, memoryBytes: number): { serial: string; status: number | undefined; end: string } {
  let serial = '';
  const g = prepareGuest({
    hypervisor: openHypervisor({ backend: 'emu' }),
    imagePath: elf,
    memoryBytes,
    serial: (b) => {
      serial += Buffer.from(b).toString('latin1');
    },
  });
  try {
    const end = runToEnd(g.vcpu, g.bus, { timeoutMs: 25_000 });
    return {
      serial,
      status: end.kind === 'debug-exit' ? end.status : undefined,
      end: JSON.stringify(end, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)),
    };
  } finally {
    g.vm.close();
  }
}

describe('guests on emu match QEMU', () => {
  for (const guest of listGuests()) {
    it(guest.name, { skip: SLOW[guest.name] ?? false }, async () => {
      const emu = runOnEmu(guest.elf, guestMemoryBytes(guest, 64 << 20));
      if (guest.expectedSerial !== undefined) assert.equal(emu.serial, guest.expectedSerial, `serial of ${guest.name}`);
      if (guest.expectedStatus !== undefined)
        assert.equal(emu.status, guest.expectedStatus, `exit of ${guest.name}: ${emu.end}`);
      if (haveQemu) {
        const q = await runQemu(guest.elf, { timeoutMs: 20_000, extraArgs: qemuMemoryArgs(guest) });
        assert.equal(q.timedOut, false, 'QEMU timed out');
        assert.equal(emu.serial, q.stdout.replace(/\r\n/g, '\n'), `serial of ${guest.name} vs QEMU`);
        assert.equal(emu.status, q.status, `exit status of ${guest.name} vs QEMU (emu end: ${emu.end})`);
      }
    });
  }
});
