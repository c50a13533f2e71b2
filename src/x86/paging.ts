// The page walk (SDM vol. 3 ch. 4): linear address -> physical address with the access rights the walk
// accumulated. Pure apart from the optional accessed/dirty write-back, allocation-free (the caller owns the
// result object), no BigInt: linear addresses are signed doubles (canonical), physical ones positive doubles.
// Shared by the emu MMU, KVM_TRANSLATE and the debugger.
import { CR0, CR4, EFER } from './control-regs.js';

/** "A linear address is in canonical form if bits 63 through the most-significant implemented bit are all
 *  ones or all zeros" (SDM vol. 1 §3.3.7.1; 48-bit linear addresses with 4-level paging): as a signed number,
 *  -CANONICAL_BOUND <= la < CANONICAL_BOUND. */
export const CANONICAL_BOUND = 2 ** 47;

/** Physical memory as the walker sees it: 32-bit little-endian words (a 64-bit entry is two reads). */
export interface PhysWords {
  read32(pa: number): number;
  write32(pa: number, value: number): void;
}

/** The paging-relevant control state. cr3 is a positive double (up to 52 bits). */
export interface PagingState {
  cr0: number;
  cr3: number;
  cr4: number;
  efer: number;
}

/** Access kinds, numbered like the #PF error-code bits they set (W/R = bit 1, U/S = bit 2, I/D = bit 4). */
export const Access = { Read: 0, Write: 2, User: 4, Fetch: 16 } as const;

/** #PF error-code bits (SDM vol. 3 §4.7). */
export const PfErr = { P: 1, W: 2, U: 4, RSVD: 8, I: 16 } as const;

export interface WalkResult {
  /** Physical address of the byte at the linear address. */
  gpa: number;
  /** Size of the page that maps it (4096, 2 MiB, 4 MiB or 1 GiB); 4096 with paging off. */
  pageSize: number;
  /** Accumulated rights: R/W and U/S ANDed over all levels, XD ORed (only with EFER.NXE). */
  writable: boolean;
  user: boolean;
  nx: boolean;
  global: boolean;
  /** The leaf entry's dirty bit (after any write-back). */
  dirty: boolean;
  /** 0 when the walk succeeded, else the #PF error code to raise. */
  errorCode: number;
}

export function newWalkResult(): WalkResult {
  return { gpa: 0, pageSize: 4096, writable: true, user: true, nx: false, global: false, dirty: true, errorCode: 0 };
}

const TWO32 = 4294967296;
/** Entry bits (low word). */
const P = 1;
const RW = 2;
const US = 4;
const A = 0x20;
const D = 0x40;
const PS = 0x80;
const G = 0x100;
/** XD is bit 63: bit 31 of the high word. */
const XD_HI = 0x80000000;
/** Physical-address width the emu CPU reports in CPUID 0x80000008 (QEMU's TCG default). */
export const MAXPHYADDR = 40;
/** "Reserved bits ... bits 51:MAXPHYADDR" of an entry, as bits of its high word (§4.4.2, §4.5.4). */
const RSVD_HI_ADDR = 0x000fffff & ~((1 << (MAXPHYADDR - 32)) - 1);
/** Address bits 31:12 of an entry; `>>> 0` keeps frames at 2 GiB and above positive (JS bit operators are
 *  signed 32-bit). */
const FRAME_LO = 0xfffff000;
/** 32-bit paging, 4 MiB page with PSE-36 (table 4-4, M = min(MAXPHYADDR, 40)): bits 20:13 are address bits
 *  39:32; bits 21:(M-19) are reserved. */
const PSE36_RSVD = 0x3fe000 & ~(((1 << (Math.min(MAXPHYADDR, 40) - 32)) - 1) << 13);

export function pagingEnabled(s: PagingState): boolean {
  return (s.cr0 & CR0.PG) !== 0;
}

/**
 * Walks the tables for `la` under `access` (Access bits ORed; User when CPL = 3 and the access is not an
 * implicit supervisor one). Returns true and fills `out` on success; on a fault returns false with
 * out.errorCode set. With `setAD`, a successful walk sets A in every entry used and D in the leaf on writes
 * ("the processor sets the accessed flag ... the dirty flag the first time there is a write", §4.8).
 */
export function walk(
  mem: PhysWords,
  s: PagingState,
  la: number,
  access: number,
  setAD: boolean,
  out: WalkResult,
): boolean {
  out.errorCode = 0;
  if ((s.cr0 & CR0.PG) === 0) {
    out.gpa = la >>> 0;
    out.pageSize = 4096;
    out.writable = out.user = out.dirty = true;
    out.nx = out.global = false;
    return true;
  }
  const lo32 = la >>> 0;
  const nxe = (s.efer & EFER.NXE) !== 0;
  let writable = true;
  let user = true;
  let nx = false;
  let table: number;
  let level: number;
  // Up to 4 entries are used; remember them for the A/D write-back.
  const used = USED;
  let nUsed = 0;
  let leafLo = 0;
  let leafPa = 0;
  let pageSize = 4096;
  let frame = 0;

  if ((s.cr4 & CR4.PAE) === 0) {
    // 32-bit paging (§4.3): two levels of 4-byte entries, 4 MiB pages with CR4.PSE.
    const pdePa = ((s.cr3 & FRAME_LO) >>> 0) + ((lo32 >>> 22) << 2);
    const pde = mem.read32(pdePa);
    if ((pde & P) === 0) return fault(out, 0, access, s);
    writable = (pde & RW) !== 0;
    user = (pde & US) !== 0;
    used[nUsed++] = pdePa;
    if ((pde & PS) !== 0 && (s.cr4 & CR4.PSE) !== 0) {
      if ((pde & PSE36_RSVD) !== 0) return fault(out, PfErr.RSVD | PfErr.P, access, s);
      leafLo = pde;
      leafPa = pdePa;
      pageSize = 4 << 20;
      frame = ((pde & 0xffc00000) >>> 0) + ((pde >>> 13) & 0xff) * TWO32;
    } else {
      const ptePa = ((pde & FRAME_LO) >>> 0) + (((lo32 >>> 12) & 0x3ff) << 2);
      const pte = mem.read32(ptePa);
      if ((pte & P) === 0) return fault(out, 0, access, s);
      writable &&= (pte & RW) !== 0;
      user &&= (pte & US) !== 0;
      used[nUsed++] = ptePa;
      leafLo = pte;
      leafPa = ptePa;
      frame = (pte & FRAME_LO) >>> 0;
    }
  } else {
    const long = (s.efer & EFER.LMA) !== 0 || (s.efer & EFER.LME) !== 0;
    const hi32 = Math.floor(la / TWO32) >>> 0;
    if (long) {
      // 4-level paging (§4.5): PML4 index = bits 47:39.
      table = (s.cr3 - (s.cr3 % 4096)) % 2 ** 52;
      level = 4;
    } else {
      // PAE paging (§4.4): CR3 bits 31:5 locate four PDPTEs; bits 31:30 of the address pick one.
      const pdptePa = ((s.cr3 & 0xffffffe0) >>> 0) + ((lo32 >>> 30) << 3);
      const lo = mem.read32(pdptePa);
      const hi = mem.read32(pdptePa + 4);
      if ((lo & P) === 0) return fault(out, 0, access, s);
      if ((hi & RSVD_HI_ADDR) !== 0 || (lo & 0x1e6) !== 0) return fault(out, PfErr.RSVD | PfErr.P, access, s);
      table = ((lo & FRAME_LO) >>> 0) + (hi & 0xfffff) * TWO32;
      level = 2;
    }
    for (;;) {
      let index: number;
      if (level === 4) index = (hi32 >>> 7) & 0x1ff;
      else if (level === 3) index = ((hi32 & 0x7f) << 2) | (lo32 >>> 30);
      else if (level === 2) index = (lo32 >>> 21) & 0x1ff;
      else index = (lo32 >>> 12) & 0x1ff;
      const ePa = table + index * 8;
      const lo = mem.read32(ePa);
      const hi = mem.read32(ePa + 4);
      if ((lo & P) === 0) return fault(out, 0, access, s);
      // Reserved bits: address bits above MAXPHYADDR, XD without EFER.NXE, PS in a PML4E (§4.5, table 4-14).
      if ((hi & RSVD_HI_ADDR) !== 0 || (!nxe && (hi & XD_HI) !== 0) || (level === 4 && (lo & PS) !== 0))
        return fault(out, PfErr.RSVD | PfErr.P, access, s);
      writable &&= (lo & RW) !== 0;
      user &&= (lo & US) !== 0;
      if (nxe && (hi & XD_HI) !== 0) nx = true;
      used[nUsed++] = ePa;
      const base = ((lo & FRAME_LO) >>> 0) + (hi & 0xfffff) * TWO32;
      if (level === 1 || (lo & PS) !== 0) {
        if (level === 3) {
          // 1 GiB page: bits 29:13 of the entry are reserved.
          if ((lo & 0x3fffe000) !== 0) return fault(out, PfErr.RSVD | PfErr.P, access, s);
          pageSize = 1 << 30;
        } else if (level === 2) {
          if ((lo & 0x1fe000) !== 0) return fault(out, PfErr.RSVD | PfErr.P, access, s);
          pageSize = 2 << 20;
        }
        leafLo = lo;
        leafPa = ePa;
        frame = base - (level === 1 ? 0 : base % pageSize);
        break;
      }
      table = base;
      level--;
    }
  }

  // Access rights (§4.6): user accesses need U/S everywhere; writes need R/W unless a supervisor write with
  // CR0.WP = 0; fetches fail on XD pages and (CR4.SMEP) supervisor fetches from user pages.
  const isUser = (access & Access.User) !== 0;
  const isWrite = (access & Access.Write) !== 0;
  const isFetch = (access & Access.Fetch) !== 0;
  if (isUser && !user) return fault(out, PfErr.P, access, s);
  if (isWrite && !writable && (isUser || (s.cr0 & CR0.WP) !== 0)) return fault(out, PfErr.P, access, s);
  if (isFetch && nx) return fault(out, PfErr.P, access, s);
  if (isFetch && !isUser && user && (s.cr4 & CR4.SMEP) !== 0) return fault(out, PfErr.P, access, s);

  let dirty = (leafLo & D) !== 0;
  if (setAD) {
    for (let i = 0; i < nUsed; i++) {
      const ePa = used[i]!;
      let e = ePa === leafPa ? leafLo : mem.read32(ePa);
      let ne = e | A;
      if (ePa === leafPa && isWrite) ne |= D;
      if (ne !== e) {
        mem.write32(ePa, ne);
        e = ne;
      }
      if (ePa === leafPa) dirty = (e & D) !== 0;
    }
  }
  // Offsets within a page of up to 1 GiB fit in the low 32 bits.
  out.gpa = frame + (lo32 & (pageSize - 1));
  out.pageSize = pageSize;
  out.writable = writable;
  out.user = user;
  out.nx = nx;
  out.global = (leafLo & G) !== 0;
  out.dirty = dirty;
  return true;
}

const USED = new Float64Array(4);

function fault(out: WalkResult, bits: number, access: number, s: PagingState): false {
  let code = bits | (access & (Access.Write | Access.User));
  // I/D is reported only when XD or SMEP could have caused it (as Bochs and QEMU do).
  if ((access & Access.Fetch) !== 0 && ((s.efer & EFER.NXE) !== 0 || (s.cr4 & CR4.SMEP) !== 0)) code |= PfErr.I;
  out.errorCode = code | 0x10000;
  return false;
}

/** The #PF error code of a failed walk (out.errorCode carries a marker bit so 0 never means "failed"). */
export function pfErrorCode(out: WalkResult): number {
  return out.errorCode & 0xffff;
}
