// The emu "system fd": capabilities and supported CPUID of guestdbg's own CPU.
import { Cap, type CpuidEntry, GUESTDBG_VALID_MASK, type Hypervisor, type Vm } from '../../abi/index.js';
import { defaultCpuid } from './cpuid.js';
import { EMU_MEMSLOTS, EmuVm } from './vm.js';

/** KVM_GET_API_VERSION has been 12 since Linux 2.6.22. */
const API_VERSION = 12;
/** vCPUs per VM (one thread each). */
const MAX_VCPUS = 64;

export class EmuHypervisor implements Hypervisor {
  readonly backend = 'emu' as const;

  apiVersion(): number {
    return API_VERSION;
  }

  checkExtension(cap: number): number {
    switch (cap) {
      case Cap.Hlt:
      case Cap.UserMemory:
      case Cap.SetTssAddr:
      case Cap.ExtCpuid:
      case Cap.SetGuestDebug:
      case Cap.SetIdentityMapAddr:
      case Cap.VcpuEvents:
      case Cap.Debugregs:
      case Cap.ImmediateExit:
      case Cap.GuestdbgSoftExecBp:
      case Cap.GuestdbgSoftWatch:
        return 1;
      case Cap.SetGuestDebug2:
        return GUESTDBG_VALID_MASK;
      case Cap.NrVcpus:
      case Cap.MaxVcpus:
        return MAX_VCPUS;
      case Cap.NrMemslots:
        return EMU_MEMSLOTS;
      default:
        return 0;
    }
  }

  supportedCpuid(): CpuidEntry[] {
    return defaultCpuid();
  }

  createVm(): Vm {
    return new EmuVm();
  }

  close(): void {}
}
