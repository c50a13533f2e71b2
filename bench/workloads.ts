// The benchmark workloads (guests/bench/): images, RAM size, the measured region, expected output.
import { checkPvhElf, readImage } from '../src/machine/boot/loader.js';
import { benchElfPath } from './build-guests.js';

/** Guest RAM for every run: QEMU's default for -M microvm, which the reference command line uses. */
export const GUEST_MEMORY_BYTES = 128 << 20;
/** rt.S: exit value 0x31 -> VMM status (0x31 << 1) | 1. */
export const BENCH_EXIT_STATUS = 0x63;

export interface Workload {
  name: string;
  elf: string;
  image: Uint8Array;
  /** bench_region_start / bench_region_end (physical = linear: the guests run identity-mapped). */
  regionStart: bigint;
  regionEnd: bigint;
  /** What the workload exercises, for the table. */
  what: string;
}

const DESCRIPTIONS: Record<string, string> = {
  loop: 'add/xor/dec/jnz tight loop',
  compute: 'C -O2: CRC-32, Shell sort, FNV-1a',
  memory: '16384 4-KiB pages per iteration, CR3 reload',
  modes: 'int3 #BP, compat mode, ring 3 syscall/sysret',
};

export const WORKLOAD_NAMES = ['loop', 'compute', 'memory', 'modes'] as const;

export function loadWorkload(name: string): Workload {
  const elf = benchElfPath(name);
  const image = readImage(elf, GUEST_MEMORY_BYTES);
  const checked = checkPvhElf(image, elf, GUEST_MEMORY_BYTES);
  const sym = (s: string): bigint => {
    const v = checked.symbols.get(s);
    if (v === undefined) throw new Error(`${elf} has no symbol ${s}: rebuild with node dist/bench/build-guests.js`);
    return v;
  };
  return {
    name,
    elf,
    image,
    regionStart: sym('bench_region_start'),
    regionEnd: sym('bench_region_end'),
    what: DESCRIPTIONS[name] ?? name,
  };
}

export function cmdlineFor(n: number): string {
  return `n=${n}`;
}

/** The one line every workload prints: "<name> n=<n> result=0x<16 hex>". */
export function parseResult(serial: string, name: string, n: number): string | undefined {
  const m = new RegExp(`^${name} n=${n} result=(0x[0-9a-f]{16})\\n$`).exec(serial);
  return m?.[1];
}
