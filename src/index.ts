// The package entry: open a backend, attach to a VM from a worker, kick a running vCPU.
import type { Hypervisor, Vm, VmHandle } from './abi/index.js';
import { attachEmuVm, openEmu } from './backends/emu/index.js';
import { attachKvmVm, openKvm } from './backends/kvm/index.js';
import { type OpenOptions, unknownBackend } from './open.js';

export * from './abi/index.js';
export { kick } from './kick.js';
export { type OpenOptions, openBackend } from './open.js';

export function openHypervisor(opts: OpenOptions = {}): Hypervisor {
  const backend = opts.backend ?? 'emu';
  switch (backend) {
    case 'emu':
      return openEmu();
    case 'kvm':
      return openKvm(opts.devicePath);
    default:
      throw unknownBackend(String(backend));
  }
}

/** In a worker thread: reach the VM whose handle() the creating thread sent. */
export function attachVm(handle: VmHandle): Vm {
  return handle.backend === 'kvm' ? attachKvmVm(handle) : attachEmuVm(handle);
}
