// Which guest-debug features the debugger may rely on: everything on emu (it implements the interface itself);
// on kvm, what the probe saw really work, since kernels advertise features they cannot deliver (kvm_pvm does).
import { Cap, type Hypervisor } from '../abi/index.js';
import { type ProbeResult, probeGuestDebug } from '../machine/probe/probe.js';
import type { DebugFeatures } from './debugger.js';

export interface DetectedFeatures extends DebugFeatures {
  /** The kvm probe's findings (absent on emu), for messages such as "Z2 unsupported because ...". */
  probe?: ProbeResult[];
}

export async function detectFeatures(hv: Hypervisor): Promise<DetectedFeatures> {
  if (hv.backend === 'emu') {
    const soft = hv.checkExtension(Cap.GuestdbgSoftExecBp) === 1 && hv.checkExtension(Cap.GuestdbgSoftWatch) === 1;
    return { swBreakpoints: true, dataWatchpoints: true, soft };
  }
  const probe = await probeGuestDebug(hv);
  const works = (feature: string) => probe.some((r) => r.feature === feature && r.works);
  return {
    swBreakpoints: works('USE_SW_BP'),
    dataWatchpoints: works('USE_HW_BP write watchpoint') && works('USE_HW_BP read/write watchpoint'),
    soft: false,
    probe,
  };
}
