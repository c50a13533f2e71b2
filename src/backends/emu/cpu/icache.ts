// The decoded-instruction cache: decode is separate from execution, so an instruction decoded once is
// reused while its bytes are unchanged. Entries are keyed by the instruction's offset in the fast RAM region
// and the decode mode, and every hit re-checks the instruction's bytes against RAM — so any write to guest
// code (by the guest, the loader, a debugger patching int3, another vCPU) is seen without invalidation hooks.
// Instructions that cross a page boundary or live outside the fast RAM region are never cached.
import { createInsn, type Insn } from '../decode/insn.js';
import type { ExecFn } from './cpu.js';

const SIZE = 16384;
const MASK = SIZE - 1;
const MAX_LEN = 15;

export class InsnCache {
  private readonly insns: Insn[] = Array.from({ length: SIZE }, () => createInsn());
  private readonly tag = new Float64Array(SIZE).fill(-1);
  private readonly mode = new Int8Array(SIZE);
  private readonly bytes = new Uint8Array(SIZE * MAX_LEN);
  /** The handler for each entry (a specialised one from exec/fast.ts or the family's), set by commit(). */
  private readonly fns: ExecFn[];
  /** The handler of the last lookup() hit. */
  fn: ExecFn;

  constructor(placeholder: ExecFn) {
    this.fns = new Array<ExecFn>(SIZE).fill(placeholder);
    this.fn = placeholder;
  }

  /** The cached Insn for the instruction at RAM offset `off` in `mode`, or undefined. */
  lookup(ram: Uint8Array, off: number, mode: number): Insn | undefined {
    const slot = off & MASK;
    if (this.tag[slot] !== off || this.mode[slot] !== mode) return undefined;
    const insn = this.insns[slot]!;
    const b = this.bytes;
    const base = slot * MAX_LEN;
    for (let k = 0; k < insn.len; k++) if (ram[off + k] !== b[base + k]) return undefined;
    this.fn = this.fns[slot]!;
    return insn;
  }

  /** The Insn object to decode into for RAM offset `off` (its slot is invalid until commit()). */
  slotFor(off: number): Insn {
    const slot = off & MASK;
    this.tag[slot] = -1;
    return this.insns[slot]!;
  }

  /** Records a successful decode of the instruction at `off` (its bytes must all be in RAM) and its handler. */
  commit(ram: Uint8Array, off: number, mode: number, fn: ExecFn): void {
    const slot = off & MASK;
    const insn = this.insns[slot]!;
    this.fns[slot] = fn;
    this.bytes.set(ram.subarray(off, off + insn.len), slot * MAX_LEN);
    this.tag[slot] = off;
    this.mode[slot] = mode;
  }
}
