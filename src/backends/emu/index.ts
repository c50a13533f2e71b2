// The emu backend's entry points (used by src/index.ts): open it, attach to a VM from a worker, kick a vCPU.
import type { Hypervisor, Vm, VmHandle } from '../../abi/index.js';
import { HypervisorUnavailableError } from '../../abi/index.js';
import { EmuHypervisor } from './hypervisor.js';
import { EmuVm } from './vm.js';

export { EmuHypervisor } from './hypervisor.js';
export { kickEmu } from './kick.js';
export { EmuVcpu } from './vcpu.js';
export { EmuVm } from './vm.js';

export function openEmu(): Hypervisor {
  return new EmuHypervisor();
}

/** In a worker: the same guest RAM (the SharedArrayBuffers in the handle), on which createVcpu() works. */
export function attachEmuVm(handle: VmHandle): Vm {
  const vm = new EmuVm();
  for (const r of handle.regions) {
    if (r.shared === undefined)
      throw new HypervisorUnavailableError(
        `emu VM handle region ${r.slot} has no SharedArrayBuffer: pass vm.handle() as is`,
      );
    vm.attach(r.slot, Number(r.guestPhysAddr), r.shared);
  }
  return vm;
}
