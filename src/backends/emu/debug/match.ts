// Breakpoint-condition matching (SDM vol. 3 §18.2.4-18.2.5): pure functions over four addresses and a DR7.
// They return B0-B3 bits for every slot whose condition is met, enabled or not ("B0-B3 may be set even if
// the breakpoint is not enabled by L/G"); the caller raises #DB only if (bits & enabledSlots(dr7)) != 0.
import { Dr7Rw } from '../../../x86/debug-regs.js';

/** LEN field to bytes: 00 = 1, 01 = 2, 11 = 4, 10 = 8 (8 bytes in 64-bit capable processors). */
const LEN_BYTES = [1, 2, 8, 4] as const;

export function slotLen(dr7: number, i: number): number {
  return LEN_BYTES[(dr7 >>> (18 + 4 * i)) & 3]!;
}

export function slotRw(dr7: number, i: number): number {
  return (dr7 >>> (16 + 4 * i)) & 3;
}

/** Bit i set when L<i> or G<i> is set. */
export function enabledSlots(dr7: number): number {
  let m = 0;
  for (let i = 0; i < 4; i++) if ((dr7 >>> (2 * i)) & 3) m |= 1 << i;
  return m;
}

/** Slots whose R/W field is `rw` and that are enabled. */
export function enabledSlotsOfKind(dr7: number, rw: number): number {
  let m = 0;
  for (let i = 0; i < 4; i++) if ((dr7 >>> (2 * i)) & 3 && slotRw(dr7, i) === rw) m |= 1 << i;
  return m;
}

/** "The address in DRn is aligned down by LEN" (the low LEN-1 bits are ignored). Works for signed doubles. */
function alignDown(a: number, len: number): number {
  const r = a % len;
  return r === 0 ? a : a - (r < 0 ? r + len : r);
}

/** Instruction breakpoints (R/W = 00): "the address of the first byte of the instruction" must equal DRn.
 *  LEN must be 00 for them; other LEN values are treated like 00 (the SDM leaves them undefined). */
export function execMatch(addr: Float64Array, dr7: number, la: number): number {
  let bits = 0;
  for (let i = 0; i < 4; i++) if (slotRw(dr7, i) === Dr7Rw.Exec && addr[i] === la) bits |= 1 << i;
  return bits;
}

/** Data breakpoints: R/W = 01 matches writes, 11 matches reads and writes; an access of `size` bytes at `la`
 *  matches when any byte of it lies in [DRn & ~(LEN-1), +LEN) (accesses straddling the range included). */
export function dataMatch(addr: Float64Array, dr7: number, la: number, size: number, write: boolean): number {
  let bits = 0;
  for (let i = 0; i < 4; i++) {
    const rw = slotRw(dr7, i);
    if (rw === Dr7Rw.ReadWrite || (rw === Dr7Rw.Write && write)) {
      const len = slotLen(dr7, i);
      const base = alignDown(addr[i]!, len);
      if (la < base + len && la + size > base) bits |= 1 << i;
    }
  }
  return bits;
}

/** I/O breakpoints: R/W = 10 with CR4.DE = 1 (otherwise 10 is undefined: we never match). Port range
 *  [port, port+size) against [DRn & ~(LEN-1), +LEN) with DRn's low 16 bits as the port. */
export function ioMatch(addr: Float64Array, dr7: number, port: number, size: number): number {
  let bits = 0;
  for (let i = 0; i < 4; i++) {
    if (slotRw(dr7, i) !== Dr7Rw.Io) continue;
    const a = addr[i]!;
    if (Number.isNaN(a)) continue;
    const len = slotLen(dr7, i);
    const base = alignDown(a >>> 0, len) & 0xffff;
    if (port < base + len && port + size > base) bits |= 1 << i;
  }
  return bits;
}
