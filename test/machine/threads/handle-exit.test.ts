// What each exit means for a machine nobody debugs (run-to-end.ts handleExit), on a real emu vCPU.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exit, ExitReason, IoDirection } from '../../../src/abi/index.js';
import { createStandardBus } from '../../../src/machine/devices/standard-bus.js';
import { describeEnd } from '../../../src/machine/guest-end.js';
import { handleExit } from '../../../src/machine/threads/run-to-end.js';
import { emuOrSkip } from '../emu-helper.js';

const { hv, skip } = await emuOrSkip();
if (skip) console.log(`# skipping handleExit tests: ${skip}`);
const RIP = 0x1234n;
const IF = 0x200n;

function setup(rflags: bigint) {
  const vm = hv!.createVm();
  const vcpu = vm.createVcpu(0);
  vcpu.setRegs({ ...vcpu.getRegs(), rip: RIP, rflags });
  return { vm, vcpu, bus: createStandardBus(() => {}).bus };
}

describe('handleExit', { skip }, () => {
  it('HLT ends the run as halted, telling IF=0 from IF=1', () => {
    for (const [rflags, on] of [
      [2n, false],
      [2n | IF, true],
    ] as const) {
      const { vm, vcpu, bus } = setup(rflags);
      const end = handleExit(vcpu, bus, { reason: ExitReason.Hlt });
      assert.deepEqual(end, { kind: 'halted', rip: RIP, interruptsEnabled: on });
      assert.match(describeEnd(end!), on ? /no interrupt source/ : /interrupts off.*can never continue/);
      vm.close();
    }
  });

  it('shutdown, internal error, fail entry and unknown exits end the run with their facts', () => {
    const { vm, vcpu, bus } = setup(2n);
    assert.deepEqual(handleExit(vcpu, bus, { reason: ExitReason.Shutdown }), { kind: 'shutdown', rip: RIP });
    assert.deepEqual(handleExit(vcpu, bus, { reason: ExitReason.InternalError, suberror: 1, data: [] }), {
      kind: 'internal-error',
      suberror: 1,
      rip: RIP,
    });
    assert.deepEqual(
      handleExit(vcpu, bus, { reason: ExitReason.FailEntry, hardwareEntryFailureReason: 0x21n, cpu: 0 }),
      { kind: 'fail-entry', reason: 0x21n },
    );
    assert.deepEqual(handleExit(vcpu, bus, { reason: ExitReason.Unknown, hardwareExitReason: 5n }), {
      kind: 'unexpected-exit',
      reason: ExitReason.Unknown,
      rip: RIP,
    });
    vm.close();
  });

  it('an internal error caused by a host exception names it, with its stack (issue 12 item 2)', () => {
    const { vm, vcpu, bus } = setup(2n);
    // A real host exception inside the emulator's run loop: the instruction step itself throws.
    (vcpu as unknown as { cpu: { step(): void } }).cpu.step = () => {
      throw new TypeError('step exploded');
    };
    const exit = vcpu.run();
    assert.equal(exit.reason, ExitReason.InternalError);
    const end = handleExit(vcpu, bus, exit);
    assert.ok(end?.kind === 'internal-error', `ended as ${end?.kind}`);
    assert.equal(end.cause, 'step exploded');
    assert.match(end.stack ?? '', /TypeError: step exploded\n\s+at /);
    assert.match(
      describeEnd(end),
      /internal error at rip 0x1234 \(KVM_EXIT_INTERNAL_ERROR\): the emulator failed with step exploded$/,
    );
    vm.close();
  });

  it('I/O goes to the bus; unbacked MMIO reads all ones and writes vanish; both keep running', () => {
    const { vm, vcpu, bus } = setup(2n);
    const mmio: Exit = {
      reason: ExitReason.Mmio,
      mmio: { physAddr: 0xfee00000n, data: new Uint8Array(4), isWrite: false },
    };
    assert.equal(handleExit(vcpu, bus, mmio), undefined);
    if (mmio.reason === ExitReason.Mmio) assert.deepEqual([...mmio.mmio.data], [0xff, 0xff, 0xff, 0xff]);
    const write: Exit = {
      reason: ExitReason.Mmio,
      mmio: { physAddr: 0xfee00000n, data: Uint8Array.of(1), isWrite: true },
    };
    assert.equal(handleExit(vcpu, bus, write), undefined);
    const io: Exit = {
      reason: ExitReason.Io,
      io: { direction: IoDirection.Out, size: 1, port: 0xf4, count: 1, data: Uint8Array.of(3) },
    };
    assert.deepEqual(handleExit(vcpu, bus, io), { kind: 'debug-exit', value: 3, status: 7 });
    vm.close();
  });
});
