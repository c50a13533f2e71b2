// The package entry: open a backend, attach to a VM from a worker, kick a running vCPU.
import type { BackendName, Hypervisor, VcpuKicker, Vm, VmHandle } from './abi/index.js';
import { HypervisorUnavailableError } from './abi/index.js';
import { attachEmuVm, kickEmu, openEmu } from './backends/emu/index.js';
import { attachKvmVm, kickKvm, openKvm } from './backends/kvm/index.js';

export * from './abi/index.js';

export interface OpenOptions {
  /** 'emu' (default): guestdbg's own CPU. 'kvm': Linux /dev/kvm. */
  backend?: BackendName;
  /** kvm only: the device to open (default /dev/kvm). */
  devicePath?: string;
}

export function openHypervisor(opts: OpenOptions = {}): Hypervisor {
  const backend = opts.backend ?? 'emu';
  switch (backend) {
    case 'emu':
      return openEmu();
    case 'kvm':
      return openKvm(opts.devicePath);
    default:
      throw new HypervisorUnavailableError(`unknown backend '${String(backend)}': use --backend emu or --backend kvm`);
  }
}

/** In a worker thread: reach the VM whose handle() the creating thread sent. */
export function attachVm(handle: VmHandle): Vm {
  return handle.backend === 'kvm' ? attachKvmVm(handle) : attachEmuVm(handle);
}

/** From any thread: make the vCPU's current or next run() return ExitReason.Intr. */
export function kick(kicker: VcpuKicker): void {
  if (kicker.backend === 'kvm') kickKvm(kicker);
  else kickEmu(kicker);
}
