// Whole guests on the emu backend through the single-thread helper: output and end must match QEMU's reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ExitReason } from '../../../src/abi/index.js';
import { prepareGuest } from '../../../src/machine/boot/prepare.js';
import { pvhEntryState, withSregs, writeBootGdt } from '../../../src/machine/boot/pvh-entry.js';
import { SerialCapture } from '../../../src/machine/devices/serial-sink.js';
import { createStandardBus } from '../../../src/machine/devices/standard-bus.js';
import { runToEnd, runUntilStop } from '../../../src/machine/threads/run-to-end.js';
import { Watchdog } from '../../../src/machine/threads/watchdog.js';
import { emuOrSkip } from '../emu-helper.js';

const { hv, skip } = await emuOrSkip();
if (skip) console.log(`# skipping emu integration tests: ${skip}`);
const MIB = 1 << 20;
const watchdog = new Watchdog();
after(() => watchdog.close());

/** jmp . (eb fe): spins forever. */
const SPIN = [0xeb, 0xfe];
const CODE = 0x1000;

describe('runToEnd on emu', { skip }, () => {
  for (const [name, status] of [
    ['hello', 33],
    ['demo', 35],
  ] as const) {
    it(`${name}.elf prints guests/${name}.serial and exits with status ${status}`, () => {
      const serial = new SerialCapture();
      const g = prepareGuest({
        hypervisor: hv!,
        imagePath: `guests/${name}.elf`,
        memoryBytes: 64 * MIB,
        serial: serial.write,
      });
      try {
        const end = runToEnd(g.vcpu, g.bus, { timeoutMs: 20_000, watchdog });
        assert.deepEqual(
          end.kind === 'debug-exit' && end.status,
          status,
          JSON.stringify(end, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)),
        );
        assert.equal(serial.text(), readFileSync(`guests/${name}.serial`, 'utf8'));
      } finally {
        g.vm.close();
      }
    });
  }

  it('a spinning guest times out, and the kick comes from the watchdog thread', () => {
    const vm = hv!.createVm();
    try {
      const ram = vm.addMemory({ guestPhysAddr: 0n, size: MIB });
      writeBootGdt(ram);
      ram.set(SPIN, CODE);
      const vcpu = vm.createVcpu(0);
      const entry = pvhEntryState(CODE, 0);
      vcpu.setSregs(withSregs(vcpu.getSregs(), entry.sregs));
      vcpu.setRegs(entry.regs);
      const t0 = performance.now();
      const end = runToEnd(vcpu, createStandardBus(() => {}).bus, { timeoutMs: 200, watchdog });
      const ms = performance.now() - t0;
      assert.deepEqual(end, { kind: 'timeout', ms: 200 });
      assert.ok(ms >= 200 && ms < 2000, `took ${ms} ms`);
      assert.equal(vcpu.getRegs().rip, BigInt(CODE));
    } finally {
      vm.close();
    }
  });

  it('a hardware breakpoint at demo_loop stops runUntilStop with the selftest values', () => {
    const g = prepareGuest({ hypervisor: hv!, imagePath: 'guests/demo.elf', memoryBytes: 64 * MIB });
    try {
      const loop = g.image.symbols.get('demo_loop')!;
      g.vcpu.setGuestDebug({ control: 0x20001, debugreg: [loop, 0n, 0n, 0n, 0n, 0n, 0n, 0x402n] });
      const stop = runUntilStop(g.vcpu, g.bus, { timeoutMs: 20_000, watchdog });
      assert.equal(stop.kind, 'debug');
      if (stop.kind === 'debug')
        assert.deepEqual([stop.debug.exception, stop.debug.pc, stop.debug.dr6], [1, loop, 0xffff0ff1n]);
      assert.equal(ExitReason.Debug, 4);
    } finally {
      g.vm.close();
    }
  });
});
