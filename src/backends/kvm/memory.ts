// Guest RAM: anonymous host memory whose address KVM_SET_USER_MEMORY_REGION maps into the guest.
import { errnoName } from './errors/errno.js';
import {
  lastErrno,
  MAP_ANONYMOUS,
  MAP_FAILED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  mmap,
  munmap,
  PROT_READ,
  PROT_WRITE,
  viewAt,
} from './libc.js';

/** KVM memslots are page-granular: "memory_size and guest_phys_addr must be page-aligned". */
export const PAGE_SIZE = 4096;

export interface HostMemory {
  hostAddress: bigint;
  size: number;
  memory: Uint8Array;
}

/** Zeroed, lazily committed host memory (MAP_NORESERVE: only touched pages cost RAM). */
export function allocHostMemory(size: number): HostMemory {
  const addr = mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
  if (addr === MAP_FAILED) {
    throw new Error(
      `cannot reserve ${size} bytes of guest RAM: mmap failed with ${errnoName(lastErrno())}; ask for less memory`,
    );
  }
  return { hostAddress: addr, size, memory: viewAt(addr, size) };
}

/** Unmaps; every Uint8Array over it becomes invalid (touching one would crash the process). */
export function freeHostMemory(m: { hostAddress: bigint; size: number }): void {
  munmap(m.hostAddress, m.size);
}
