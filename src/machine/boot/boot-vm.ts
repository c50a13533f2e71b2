// Puts a PVH guest into a fresh VM: RAM at guest-physical 0, the image, start_info, the boot GDT,
// and the entry state for the boot vCPU. Shared by the single-thread helper and the threaded machine.
import type { Vm } from '../../abi/index.js';
import { type LoadedImage, loadPvhElf, readImage } from './loader.js';
import { HIGH_MEMORY_START, KVM_IDENTITY_MAP_ADDR, KVM_TSS_ADDR } from './low-memory.js';
import { type EntryState, pvhEntryState, writeBootGdt } from './pvh-entry.js';
import { writeStartInfo } from './start-info.js';

/** RAM is registered in whole pages (KVM_SET_USER_MEMORY_REGION requires it). */
export const PAGE_SIZE = 4096;

export interface BootSource {
  /** Read from this path unless `image` is given; also names the image in error messages. */
  imagePath?: string;
  image?: Uint8Array;
}

export interface BootedGuest {
  ram: Uint8Array;
  image: LoadedImage;
  /** The boot vCPU's PVH entry state. */
  entry: EntryState;
}

export function bootPvh(vm: Vm, src: BootSource, memoryBytes: number, cmdline = ''): BootedGuest {
  if (memoryBytes < HIGH_MEMORY_START || memoryBytes % PAGE_SIZE !== 0) {
    // Boot data lives below 1 MiB and images load at or above it.
    throw new RangeError(`memory size ${memoryBytes} must be a multiple of ${PAGE_SIZE} bytes and at least 1 MiB`);
  }
  const path = src.imagePath ?? '<image>';
  const bytes = src.image ?? readImage(path, memoryBytes);
  // No-ops on emu; VMX needs them before the first vCPU runs.
  vm.setTssAddr(KVM_TSS_ADDR);
  vm.setIdentityMapAddr(KVM_IDENTITY_MAP_ADDR);
  const ram = vm.addMemory({ guestPhysAddr: 0n, size: memoryBytes });
  const image = loadPvhElf(bytes, path, ram, 0n);
  const startInfo = writeStartInfo(ram, memoryBytes, cmdline);
  writeBootGdt(ram);
  return { ram, image, entry: pvhEntryState(image.entry, startInfo) };
}
