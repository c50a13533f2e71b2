// guestdbg's own breakpoints beyond KVM (Cap.GuestdbgSoftExecBp / Cap.GuestdbgSoftWatch): any number of
// execution breakpoints and watchpoints on linear addresses. They use no DR slot and patch no guest memory,
// so a breakpoint set on code that the guest has not written yet (decompressed, copied) still hits.
//
// They always belong to the host: a hit ends run() with KVM_EXIT_DEBUG (exception 1). The arch block's
// dr6 keeps the architectural low 32 bits (0xffff0ff0, no B0-B3) and says what happened in bits 32-63,
// which real DR6 reserves as zero, so a KVM-only debugger never mistakes them for its own:
//   bit 32  SOFT_EXEC   a soft execution breakpoint; pc = its address, before the instruction runs
//   bit 33  SOFT_WATCH  a soft watchpoint; the access completed, pc = the next instruction (trap-like)
//   bit 34  SOFT_WRITE  with SOFT_WATCH: the matching access was a write (else a read)
//   bits 48-63          index of the hit in the exec[] or watch[] array given to setSoftBreakpoints
// vcpu.softHitAddress gives the linear address of the access that matched a watchpoint.

import type { SoftBreakpoints } from '../../../abi/api.js';

export type { SoftBreakpoints, SoftWatch } from '../../../abi/api.js';
export { SOFT_EXEC, SOFT_INDEX_SHIFT, SOFT_WATCH, SOFT_WRITE } from '../../../abi/constants.js';

const PAGE = 4096;

function linear(v: bigint): number {
  const n = Number(BigInt.asIntN(64, v));
  if (!Number.isSafeInteger(n)) throw new RangeError(`soft breakpoint address ${v} is not a canonical linear address`);
  return n;
}

function pageOf(la: number): number {
  return Math.floor(la / PAGE);
}

export class SoftBreakpointSet {
  /** Linear address -> index in the exec[] array. */
  readonly exec = new Map<number, number>();
  /** Watch ranges as [start, end) linear doubles with kind bits: 1 read, 2 write. */
  readonly watchStart: number[] = [];
  readonly watchEnd: number[] = [];
  readonly watchKind: number[] = [];
  /** Pages (la >> 12) touched by any watch: the CPU keeps them out of its TLB fast path. */
  readonly watchPages = new Set<number>();

  set(bp: SoftBreakpoints): void {
    const exec = new Map<number, number>();
    (bp.exec ?? []).forEach((a, i) => {
      const la = linear(a);
      if (!exec.has(la)) exec.set(la, i);
    });
    const start: number[] = [];
    const end: number[] = [];
    const kind: number[] = [];
    const pages = new Set<number>();
    for (const w of bp.watch ?? []) {
      if (!Number.isInteger(w.len) || w.len < 1)
        throw new RangeError(`soft watchpoint length must be a positive integer, got ${w.len}`);
      if (w.kind !== 'r' && w.kind !== 'w' && w.kind !== 'rw')
        throw new RangeError(`soft watchpoint kind must be 'r', 'w' or 'rw', got ${String(w.kind)}`);
      const s = linear(w.addr);
      start.push(s);
      end.push(s + w.len);
      kind.push(w.kind === 'r' ? 1 : w.kind === 'w' ? 2 : 3);
      for (let p = pageOf(s); p <= pageOf(s + w.len - 1); p++) pages.add(p);
    }
    this.exec.clear();
    for (const [k, v] of exec) this.exec.set(k, v);
    this.watchStart.length = 0;
    this.watchEnd.length = 0;
    this.watchKind.length = 0;
    this.watchStart.push(...start);
    this.watchEnd.push(...end);
    this.watchKind.push(...kind);
    this.watchPages.clear();
    for (const p of pages) this.watchPages.add(p);
  }

  get hasExec(): boolean {
    return this.exec.size > 0;
  }

  get hasWatch(): boolean {
    return this.watchStart.length > 0;
  }

  /** Index of the first watch matched by an access of `size` bytes at `la`, or -1. */
  matchAccess(la: number, size: number, write: boolean): number {
    const want = write ? 2 : 1;
    for (let i = 0; i < this.watchStart.length; i++) {
      if ((this.watchKind[i]! & want) !== 0 && la < this.watchEnd[i]! && la + size > this.watchStart[i]!) return i;
    }
    return -1;
  }

  watchesPage(la: number): boolean {
    return this.watchPages.has(pageOf(la));
  }
}
