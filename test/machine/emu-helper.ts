// Opens the emu backend for integration tests, or gives the reason to skip (it is being written meanwhile).
import type { Hypervisor } from '../../src/abi/index.js';

export interface EmuOrSkip {
  hv?: Hypervisor;
  /** Why the tests that need a vCPU are skipped (printed by node:test). */
  skip: string | false;
}

export async function emuOrSkip(): Promise<EmuOrSkip> {
  try {
    const { openHypervisor } = await import('../../src/index.js');
    return { hv: openHypervisor({ backend: 'emu' }), skip: false };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { skip: `the emu backend cannot be opened yet (${msg})` };
  }
}
