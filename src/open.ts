// Opening a backend by name. openBackend() loads only the chosen backend's modules (so `guestdbg run` on emu
// never loads the kvm backend, nor kvm the emulator); openHypervisor() in index.ts is the synchronous form.
import type { BackendName, Hypervisor } from './abi/index.js';
import { HypervisorUnavailableError } from './abi/index.js';

export interface OpenOptions {
  /** 'emu' (default): guestdbg's own CPU. 'kvm': Linux /dev/kvm. */
  backend?: BackendName;
  /** kvm only: the device to open (default /dev/kvm). */
  devicePath?: string;
}

export async function openBackend(opts: OpenOptions = {}): Promise<Hypervisor> {
  const backend = opts.backend ?? 'emu';
  switch (backend) {
    case 'emu':
      return (await import('./backends/emu/index.js')).openEmu();
    case 'kvm':
      return (await import('./backends/kvm/index.js')).openKvm(opts.devicePath);
    default:
      throw unknownBackend(backend);
  }
}

export function unknownBackend(name: string): HypervisorUnavailableError {
  return new HypervisorUnavailableError(`unknown backend '${name}': use --backend emu or --backend kvm`);
}
