// The kvm backend: Linux /dev/kvm through koffi.
import type { Hypervisor } from '../../abi/index.js';
import { KvmSystem } from './system.js';

export { attachKvmVm } from './attach.js';
export { kickKvm } from './kick.js';

/** Opens /dev/kvm (or devicePath); throws HypervisorUnavailableError with the cause and the fix. */
export function openKvm(devicePath?: string): Hypervisor {
  return KvmSystem.open(devicePath);
}
