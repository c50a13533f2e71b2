// A host exception thrown out of vcpu.run() (not a KvmError) ends the run as a backend error that carries
// its stack, so the CLI can call it a guestdbg bug (issue 12 item 2); a KvmError stays the kernel's answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvmError } from '../../../src/abi/index.js';
import { pvhEntryState } from '../../../src/machine/boot/pvh-entry.js';
import { createUartState } from '../../../src/machine/devices/uart16550.js';
import { Control } from '../../../src/machine/threads/protocol.js';
import { VcpuLoop } from '../../../src/machine/threads/vcpu-loop.js';
import { emuOrSkip } from '../emu-helper.js';

const { hv, skip } = await emuOrSkip();
if (skip) console.log(`# skipping VcpuLoop error tests: ${skip}`);

function endOf(thrown: Error) {
  const vm = hv!.createVm();
  vm.addMemory({ guestPhysAddr: 0n, size: 2 << 20 });
  const vcpu = vm.createVcpu(0);
  const loop = new VcpuLoop(vcpu, pvhEntryState(0x100000, 0x1000), () => {}, createUartState());
  // A real emu vCPU whose run() throws, as a host-side failure would.
  vcpu.run = () => {
    throw thrown;
  };
  const stop = loop.run(new Int32Array(1).fill(Control.Run), false);
  vm.close();
  assert.ok(stop?.type === 'end' && stop.end.kind === 'backend-error', `stopped as ${stop?.type}`);
  return stop.end;
}

describe('VcpuLoop', { skip }, () => {
  it('a host exception ends the run with its message and stack', () => {
    const end = endOf(new RangeError('offset out of bounds'));
    assert.equal(end.message, 'offset out of bounds');
    assert.match(end.stack ?? '', /^RangeError: offset out of bounds\n\s+at /);
  });

  it('a KvmError is the kernel refusing, not a bug: no stack', () => {
    const end = endOf(new KvmError('KVM_RUN', 'EFAULT'));
    assert.equal(end.stack, undefined);
  });
});
