// struct hvm_start_info and its memory map (Xen include/public/arch-x86/hvm/start_info.h, version 1).
import {
  CMDLINE_ADDR,
  CMDLINE_MAX_BYTES,
  EBDA_START,
  HIGH_MEMORY_START,
  MEMMAP_ADDR,
  START_INFO_ADDR,
} from './low-memory.js';

export const HVM_START_MAGIC = 0x336ec578;
/** Version 1 adds memmap_paddr/memmap_entries. */
export const HVM_START_VERSION = 1;
export const START_INFO_SIZE = 56;
export const MEMMAP_ENTRY_SIZE = 24;
/** hvm_memmap_table_entry.type: the E820 types. */
export const E820 = { Ram: 1, Reserved: 2 } as const;

/** Byte offsets of struct hvm_start_info. */
const Off = {
  magic: 0,
  version: 4,
  flags: 8,
  nrModules: 12,
  modlistPaddr: 16,
  cmdlinePaddr: 24,
  rsdpPaddr: 32,
  memmapPaddr: 40,
  memmapEntries: 48,
} as const;

export interface MemmapEntry {
  addr: bigint;
  size: bigint;
  type: number;
}

/** What QEMU microvm / Firecracker give a PVH guest: RAM below the EBDA, 640K..1M reserved, RAM from 1 MiB. */
export function memoryMap(memoryBytes: number): MemmapEntry[] {
  const map: MemmapEntry[] = [
    { addr: 0n, size: BigInt(EBDA_START), type: E820.Ram },
    { addr: BigInt(EBDA_START), size: BigInt(HIGH_MEMORY_START - EBDA_START), type: E820.Reserved },
  ];
  if (memoryBytes > HIGH_MEMORY_START) {
    map.push({ addr: BigInt(HIGH_MEMORY_START), size: BigInt(memoryBytes - HIGH_MEMORY_START), type: E820.Ram });
  }
  return map;
}

/** Thrown for a command line that does not fit; the CLI prints the message. */
export class CmdlineTooLongError extends Error {}

/**
 * Writes start_info, the memory map and the command line into RAM that starts at guest-physical 0.
 * Returns the guest-physical address of start_info (what the guest gets in ebx).
 */
export function writeStartInfo(ram: Uint8Array, memoryBytes: number, cmdline = ''): number {
  const cmd = new TextEncoder().encode(cmdline);
  if (cmd.length + 1 > CMDLINE_MAX_BYTES) {
    throw new CmdlineTooLongError(
      `command line is ${cmd.length} bytes; the limit is ${CMDLINE_MAX_BYTES - 1}, shorten --cmdline`,
    );
  }
  ram.set(cmd, CMDLINE_ADDR);
  ram[CMDLINE_ADDR + cmd.length] = 0;

  const map = memoryMap(memoryBytes);
  const mm = new DataView(ram.buffer, ram.byteOffset + MEMMAP_ADDR, map.length * MEMMAP_ENTRY_SIZE);
  map.forEach((e, i) => {
    const o = i * MEMMAP_ENTRY_SIZE;
    mm.setBigUint64(o, e.addr, true);
    mm.setBigUint64(o + 8, e.size, true);
    mm.setUint32(o + 16, e.type, true);
    mm.setUint32(o + 20, 0, true);
  });

  const si = new DataView(ram.buffer, ram.byteOffset + START_INFO_ADDR, START_INFO_SIZE);
  for (let i = 0; i < START_INFO_SIZE; i++) si.setUint8(i, 0);
  si.setUint32(Off.magic, HVM_START_MAGIC, true);
  si.setUint32(Off.version, HVM_START_VERSION, true);
  si.setUint32(Off.flags, 0, true);
  si.setUint32(Off.nrModules, 0, true);
  si.setBigUint64(Off.modlistPaddr, 0n, true);
  si.setBigUint64(Off.cmdlinePaddr, BigInt(CMDLINE_ADDR), true);
  // No ACPI tables: rsdp_paddr = 0 tells the guest to look nowhere.
  si.setBigUint64(Off.rsdpPaddr, 0n, true);
  si.setBigUint64(Off.memmapPaddr, BigInt(MEMMAP_ADDR), true);
  si.setUint32(Off.memmapEntries, map.length, true);
  return START_INFO_ADDR;
}
