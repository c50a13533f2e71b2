// Kicking a vCPU from any thread. Only the backends' kick code is loaded, so the watchdog thread starts fast.
import type { VcpuKicker } from './abi/index.js';
import { kickEmu } from './backends/emu/kick.js';
import { kickKvm } from './backends/kvm/kick.js';

/** Makes the vCPU's current or next run() return ExitReason.Intr. */
export function kick(kicker: VcpuKicker): void {
  if (kicker.backend === 'kvm') kickKvm(kicker);
  else kickEmu(kicker);
}
