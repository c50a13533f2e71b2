// Guest registers in JavaScript locals: uint32 halves g<h> (h indexes cpu.regs), loaded on first use and
// stored back where the interpreter's view must be exact.
import type { Insn } from '../../decode/insn.js';
import type { Planned } from '../plan.js';
import type { Code } from './code.js';

/** Whether byte register r is AH, CH, DH or BH (4-7 without a REX prefix). */
export function highByte(insn: Insn, r: number): boolean {
  return insn.rex === 0 && r >= 4 && r < 8;
}

export class Locals {
  /** Register halves held in locals, and those changed since they were stored. */
  readonly loaded = new Set<number>();
  dirty = new Set<number>();
  readonly used = new Set<number>();
  /** Every half this emission ever changed. */
  readonly everDirty = new Set<number>();
  /** Per basic block: the halves changed after its last handler call (all, without one), and whether it has
   *  one. */
  private readonly gen: Set<number>[] = [];
  private readonly calls: boolean[] = [];
  /** The basic block being emitted. */
  private bb = 0;

  constructor(private readonly code: Code) {}

  /** The state at basic block bb's start: the halves in `used` loaded, those in `dirty` possibly changed. */
  enterBlock(bb: number, used: Set<number>, dirty: Set<number> | undefined): void {
    this.bb = bb;
    this.gen[bb] = new Set();
    this.calls[bb] = false;
    this.loaded.clear();
    for (const h of used) this.loaded.add(h);
    this.dirty = new Set(dirty ?? this.everDirty);
  }

  /** The local holding register half h (loaded on first use). */
  reg(h: number): string {
    this.used.add(h);
    if (!this.loaded.has(h)) {
      this.code.emit(`g${h} = r[${h}];`);
      this.loaded.add(h);
    }
    return `g${h}`;
  }

  setReg(h: number, value: string): void {
    this.used.add(h);
    this.code.emit(`g${h} = ${value};`);
    this.loaded.add(h);
    this.markDirty(h);
  }

  markDirty(h: number): void {
    this.dirty.add(h);
    this.everDirty.add(h);
    this.gen[this.bb]?.add(h);
  }

  /** The JS value of byte register r. */
  byteReg(insn: Insn, r: number): string {
    return highByte(insn, r) ? `((${this.reg(2 * (r - 4))} >>> 8) & 0xff)` : `(${this.reg(2 * r)} & 0xff)`;
  }

  /** The low half of p's source: a register's or the immediate's. */
  srcLo(p: Planned): string {
    return p.s >= 0 ? this.reg(2 * p.s) : `${p.insn.imm >>> 0}`;
  }

  /** The high half of p's source ('0' below 64 bits). */
  srcHi(p: Planned): string {
    return p.insn.osize !== 8 ? '0' : p.s >= 0 ? this.reg(2 * p.s + 1) : `${p.insn.immHi >>> 0}`;
  }

  /** The statements storing the changed halves (they stay loaded). */
  storeCode(): string[] {
    return [...this.dirty].map((h) => `r[${h}] = g${h};`);
  }

  /** After a handler call: the locals are forgotten (it may have changed any register). */
  invalidate(): void {
    this.loaded.clear();
    this.gen[this.bb]?.clear();
    this.calls[this.bb] = true;
  }

  /** Per basic block, the halves that may have changed since they were last stored when it starts (forward
   *  over the ways between blocks to a fixed point; a handler call stores all of them). */
  dirtyIn(planned: Planned[]): Set<number>[] {
    const n = this.gen.length;
    const into: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
    const outOf = (b: number) => (this.calls[b] ? this.gen[b]! : new Set([...into[b]!, ...this.gen[b]!]));
    for (let changed = true; changed; ) {
      changed = false;
      for (const [k, p] of planned.entries()) {
        const next = planned[k + 1];
        if (next !== undefined && next.pos !== 0) continue;
        for (const j of [p.fall, p.taken]) {
          if (j < 0) continue;
          const to = into[planned[j]!.bb]!;
          for (const h of outOf(p.bb)) {
            if (!to.has(h)) {
              to.add(h);
              changed = true;
            }
          }
        }
      }
    }
    return into;
  }
}
