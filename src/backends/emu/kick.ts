// Kicking an emu vCPU: its run loop polls the kicker's shared flag.
import type { VcpuKicker } from '../../abi/index.js';
import { HypervisorUnavailableError } from '../../abi/index.js';

/** Makes the vCPU's current or next run() return ExitReason.Intr (safe from any thread). */
export function kickEmu(kicker: VcpuKicker): void {
  if (kicker.flag === undefined) throw new HypervisorUnavailableError('emu kicker without a flag: use vcpu.kicker()');
  Atomics.store(new Int32Array(kicker.flag), 0, 1);
}
