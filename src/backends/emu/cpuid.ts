// The CPUID leaves the emu CPU reports: exactly the features it implements (so a guest that checks CPUID
// never takes a path this CPU would #UD), GenuineIntel semantics, 40-bit physical / 48-bit linear addresses.
// KVM_GET_SUPPORTED_CPUID returns the same list; KVM_SET_CPUID2 entries override leaves per vCPU.
import type { CpuidEntry } from '../../abi/index.js';
import { MAXPHYADDR } from '../../x86/paging.js';

function str4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

const bit = (...bits: number[]): number => bits.reduce((a, b) => (a | (1 << b)) >>> 0, 0);

/** Leaf 1 EDX: FPU DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE-36 CLFSH FXSR SSE SSE2 (x86-64 baseline). */
const LEAF1_EDX = bit(0, 2, 3, 4, 5, 6, 8, 11, 13, 15, 16, 17, 19, 24, 25, 26);
/** Leaf 1 ECX: CMPXCHG16B (13), POPCNT (23), hypervisor present (31). */
const LEAF1_ECX = bit(13, 23, 31);
/** Leaf 7.0 EBX: FSGSBASE (0), SMEP (7). */
const LEAF7_EBX = bit(0, 7);
/** 0x80000001 EDX: SYSCALL (11), NX (20), 1 GiB pages (26), RDTSCP (27), LM (29). */
const EXT1_EDX = bit(11, 20, 26, 27, 29);
/** 0x80000001 ECX: LAHF/SAHF in 64-bit mode (0), LZCNT/ABM (5). */
const EXT1_ECX = bit(0, 5);

const BRAND = 'guestdbg emu x86-64 CPU'.padEnd(48, '\0');

export function defaultCpuid(): CpuidEntry[] {
  const e = (fn: number, eax: number, ebx: number, ecx: number, edx: number, index = 0, flags = 0): CpuidEntry => ({
    function: fn,
    index,
    flags,
    eax: eax >>> 0,
    ebx: ebx >>> 0,
    ecx: ecx >>> 0,
    edx: edx >>> 0,
  });
  const out: CpuidEntry[] = [
    e(0, 7, str4('Genu'), str4('ntel'), str4('ineI')),
    // Family 6 model 0x3a stepping 9; CLFLUSH line 8 qwords; 1 logical processor.
    e(1, 0x000306a9, (8 << 8) | (1 << 16), LEAF1_ECX, LEAF1_EDX),
    e(7, 0, LEAF7_EBX, 0, 0, 0, 1),
    e(0x40000000, 0x40000000, str4('gues'), str4('tdbg'), str4('emu\0')),
    e(0x80000000, 0x80000008, 0, 0, 0),
    e(0x80000001, 0, 0, EXT1_ECX, EXT1_EDX),
  ];
  for (let i = 0; i < 3; i++) {
    const w = (k: number): number => str4(BRAND.slice(i * 16 + k * 4, i * 16 + k * 4 + 4));
    out.push(e(0x80000002 + i, w(0), w(1), w(2), w(3)));
  }
  // MAXPHYADDR physical address bits (the page walk's), 48 linear.
  out.push(e(0x80000008, 0x3000 | MAXPHYADDR, 0, 0, 0));
  return out;
}

/** CPUID lookup: the entry for (leaf, subleaf) or, like Intel for leaves above the maximum, the highest
 *  basic leaf; unlisted leaves within range read as zeros. */
export function cpuidLookup(entries: readonly CpuidEntry[], leaf: number, sub: number, out: Uint32Array): void {
  let e: CpuidEntry | undefined;
  for (const c of entries) {
    if (c.function === leaf && ((c.flags & 1) === 0 || c.index === sub)) {
      e = c;
      break;
    }
  }
  if (e === undefined) {
    const maxBasic = entries.find((c) => c.function === 0)?.eax ?? 0;
    const maxExt = entries.find((c) => c.function === 0x80000000)?.eax ?? 0;
    const inRange = leaf >= 0x80000000 ? leaf <= maxExt : leaf >= 0x40000000 ? leaf === 0x40000000 : leaf <= maxBasic;
    if (!inRange && leaf < 0x40000000) return cpuidLookup(entries, maxBasic, sub, out);
  }
  out[0] = e?.eax ?? 0;
  out[1] = e?.ebx ?? 0;
  out[2] = e?.ecx ?? 0;
  out[3] = e?.edx ?? 0;
}
