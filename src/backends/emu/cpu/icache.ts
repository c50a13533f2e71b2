// The decoded-instruction cache: decode is separate from execution, so an instruction decoded once is
// reused while its bytes are unchanged. Entries are keyed by the instruction's offset in the fast RAM region
// and the decode mode, and every hit re-checks the instruction's bytes against RAM — so any write to guest
// code (by the guest, the loader, a debugger patching int3, another vCPU) is seen without invalidation hooks.
// Instructions that cross a page boundary or live outside the fast RAM region are never cached.
import { createInsn, type Insn } from '../decode/insn.js';

const SIZE = 16384;
const MASK = SIZE - 1;
const MAX_LEN = 15;

/** F: the handler kept beside each entry (cpu.ts ExecFn). */
export class InsnCache<F> {
  /** Created on first use: a guest touches a fraction of the slots, and 16k objects up front cost startup. */
  private readonly insns: (Insn | undefined)[] = new Array<Insn | undefined>(SIZE);
  /** RAM offset * 4 + decode mode of the entry, or -1. */
  private readonly tag = new Float64Array(SIZE).fill(-1);
  /** The entry's first (up to) four bytes as a little-endian word, and the mask of the bytes it covers. */
  private readonly word = new Uint32Array(SIZE);
  private readonly wordMask = new Uint32Array(SIZE);
  /** Bytes 4..14 of the entry (slot * MAX_LEN + k). */
  private readonly bytes = new Uint8Array(SIZE * MAX_LEN);
  /** The handler for each entry (a specialised one from exec/fast.ts or the family's), set by commit(). */
  private readonly fns: F[];
  /** The handler of the last lookup() hit. */
  fn: F;

  constructor(placeholder: F) {
    this.fns = new Array<F>(SIZE).fill(placeholder);
    this.fn = placeholder;
  }

  /** The cached Insn for the instruction at RAM offset `off` in `mode`, or undefined. */
  lookup(ram: Uint8Array, view: DataView, off: number, mode: number): Insn | undefined {
    const slot = off & MASK;
    if (this.tag[slot] !== off * 4 + mode || off + 4 > ram.length) return undefined;
    if ((view.getUint32(off, true) & this.wordMask[slot]!) >>> 0 !== this.word[slot]) return undefined;
    const insn = this.insns[slot]!;
    const len = insn.len;
    if (len > 4) {
      const b = this.bytes;
      const base = slot * MAX_LEN;
      for (let k = 4; k < len; k++) if (ram[off + k] !== b[base + k]) return undefined;
    }
    this.fn = this.fns[slot]!;
    return insn;
  }

  /** The Insn object to decode into for RAM offset `off` (its slot is invalid until commit()). */
  slotFor(off: number): Insn {
    const slot = off & MASK;
    this.tag[slot] = -1;
    let insn = this.insns[slot];
    if (insn === undefined) {
      insn = createInsn();
      this.insns[slot] = insn;
    }
    return insn;
  }

  /** Records a successful decode of the instruction at `off` (its bytes must all be in RAM) and its handler. */
  commit(ram: Uint8Array, off: number, mode: number, fn: F): void {
    if (off + 4 > ram.length) return;
    const slot = off & MASK;
    const insn = this.insns[slot]!;
    const len = insn.len;
    this.fns[slot] = fn;
    const mask = len >= 4 ? 0xffffffff : 2 ** (8 * len) - 1;
    const w = (ram[off]! | (ram[off + 1]! << 8) | (ram[off + 2]! << 16) | (ram[off + 3]! << 24)) >>> 0;
    this.wordMask[slot] = mask;
    this.word[slot] = (w & mask) >>> 0;
    this.bytes.set(ram.subarray(off, off + len), slot * MAX_LEN);
    this.tag[slot] = off * 4 + mode;
  }
}
