// Loads the backends lazily, so a backend that is missing from this build is one clear sentence,
// not a module-loader stack trace, and the other commands still work.
import type { BackendName } from '../abi/index.js';
import { HypervisorUnavailableError } from '../abi/index.js';

type Entry = typeof import('../index.js');

/** Node's code for an import that names a file that does not exist. */
const ERR_MODULE_NOT_FOUND = 'ERR_MODULE_NOT_FOUND';

/** Imports a module that (indirectly) loads the backends; a missing backend module becomes a clear error. */
export async function importWithBackends<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === ERR_MODULE_NOT_FOUND && /backends\/(emu|kvm)/.test(e.message)) {
      const which = /backends\/(emu|kvm)/.exec(e.message)?.[1];
      throw new HypervisorUnavailableError(
        `the ${which} backend is not built yet (its module is missing from dist/); run npm run build, or use the other backend`,
      );
    }
    throw err;
  }
}

/** The package entry (src/index.ts): openHypervisor, attachVm, kick. */
export function loadEntry(): Promise<Entry> {
  return importWithBackends(() => import('../index.js'));
}

export async function openBackend(backend: BackendName): Promise<import('../abi/index.js').Hypervisor> {
  const entry = await loadEntry();
  return entry.openHypervisor({ backend });
}
