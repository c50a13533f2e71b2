// RFLAGS in compiled code: the local f, with the last flag writer's flags left pending (lazy.ts) while
// nothing reads them. Inside a basic block the emitter knows which op is pending; across blocks the local pk
// says.
import { Cc } from '../../cpu/cond.js';
import { Op } from '../../decode/ops.js';
import { lazyCode, lazyExpr } from '../lazy.js';
import type { Code } from './code.js';

export class LazyFlags {
  /** Whether f holds RFLAGS (with what is pending), whether it changed since it was stored, and ever did. */
  private loaded = false;
  dirty = false;
  everDirty = false;
  /**
   * The last flag-writing op whose flags have not been computed yet, when known here. Its operands are in
   * p0..p3 and its result in p4/p5; `compute` yields RFLAGS from them and f. With `dynamic` set instead, the
   * local pk says which op is pending (0: none).
   */
  private pending: { op: number; size: number; compute: string; cond: boolean } | undefined;
  private dynamic = false;

  constructor(private readonly code: Code) {}

  /** The state at a basic block's start: RFLAGS in f with whatever pk says pending, changed when `dirty`. */
  enterBlock(dirty: boolean): void {
    this.loaded = true;
    this.dirty = dirty;
    this.pending = undefined;
    this.dynamic = true;
  }

  /** The statement computing pending flags into f ('' when none are pending). */
  computeCode(): string {
    if (this.pending !== undefined) return `f = ${this.pending.compute};`;
    return this.dynamic ? 'if (pk !== 0) f = lazyFlags(pk, p0, p1, p2, p3, f);' : '';
  }

  /** After computeCode() ran and f was stored. */
  stored(): void {
    this.pending = undefined;
    this.dynamic = false;
    this.dirty = false;
  }

  /** `f` holding the exact RFLAGS (computing pending flags first). */
  exact(): string {
    this.load();
    const c = this.computeCode();
    if (c !== '') this.code.emit(c);
    this.pending = undefined;
    this.dynamic = false;
    return 'f';
  }

  load(): void {
    if (!this.loaded) {
      this.code.emit('f = cpu.rflags;');
      this.loaded = true;
      this.pending = undefined;
      this.dynamic = false;
    }
  }

  set(value: string): void {
    this.code.emit(`f = ${value};`);
    this.pending = undefined;
    this.dynamic = false;
    this.loaded = true;
    this.dirty = true;
    this.everDirty = true;
  }

  /** After a handler call: f is forgotten (it may have changed RFLAGS). */
  invalidate(): void {
    this.loaded = false;
  }

  /**
   * A flag writer whose flags are observed: operands to p0..p3 (a shift's count in p2), then `result` (which
   * leaves the result in p4/p5, or the caller does), flags left pending. A writer that keeps some flags from
   * before (INC/DEC: CF; IMUL: SF, ZF, AF, PF; a shift by CL may not shift) has those computed first.
   */
  setPending(
    op: number,
    size: number,
    a: [string, string],
    b: [string, string],
    result: string,
    countMayBeZero = false,
  ): void {
    const partial = op === Op.INC || op === Op.DEC || op === Op.IMUL2 || op === Op.IMUL3 || countMayBeZero;
    if (op === Op.INC || op === Op.DEC) this.carryOnly();
    else if (partial) this.exact();
    else this.load();
    this.code.emit(`p0 = ${a[0]}; p1 = ${a[1]}; p2 = ${b[0]}; p3 = ${b[1]};`);
    if (result !== '') this.code.emit(result);
    // Zero and sign are the result's, except after IMUL (undefined: kept) or a shift whose count may be 0.
    const cond = op !== Op.IMUL2 && op !== Op.IMUL3 && !countMayBeZero;
    this.pending = { op, size, compute: lazyExpr(op, size), cond };
    this.dynamic = false;
    this.loaded = true;
    this.dirty = true;
    this.everDirty = true;
  }

  /**
   * Before INC/DEC, which keep CF and overwrite the other arithmetic flags: f with the exact CF (and the bits
   * outside the arithmetic flags), read off a pending op's operands where that is simple, else all of RFLAGS.
   */
  private carryOnly(): void {
    const pd = this.pending;
    const wide = pd?.size === 8;
    let cf: string | undefined;
    if (pd === undefined) cf = undefined;
    else if (pd.op === Op.AND || pd.op === Op.OR || pd.op === Op.XOR || pd.op === Op.TEST) cf = '0';
    else if (pd.op === Op.SUB || pd.op === Op.CMP)
      cf = wide ? '(p1 < p3 || (p1 === p3 && p0 < p2) ? 1 : 0)' : '(p0 < p2 ? 1 : 0)';
    else if (pd.op === Op.ADD) cf = wide ? '(p5 < p1 || (p5 === p1 && p4 < p0) ? 1 : 0)' : '(p4 < p0 ? 1 : 0)';
    else if (pd.op === Op.INC || pd.op === Op.DEC) cf = '';
    if (cf === undefined) {
      this.exact();
      return;
    }
    if (cf !== '') this.code.emit(`f = (f & -2) | ${cf};`);
    this.pending = undefined;
    this.dynamic = false;
  }

  /** Condition `cc` read off the pending op's operands/result, or undefined when it needs the flags. */
  pendingCond(cc: number): string | undefined {
    const pd = this.pending;
    if (pd === undefined || !pd.cond) return undefined;
    const wide = pd.size === 8;
    const zero = wide ? '(p4 | p5) === 0' : 'p4 === 0';
    const sign = wide ? '(p5 >>> 31) === 1' : '(p4 >>> 31) === 1';
    let e: string | undefined;
    const pair: Cc = cc >> 1;
    const sub = pd.op === Op.SUB || pd.op === Op.CMP;
    const logic = pd.op === Op.AND || pd.op === Op.OR || pd.op === Op.XOR || pd.op === Op.TEST;
    if (pair === Cc.E) e = zero;
    else if (pair === Cc.S) e = sign;
    else if (sub && pair === Cc.B) e = wide ? '(p1 < p3 || (p1 === p3 && p0 < p2))' : 'p0 < p2';
    else if (sub && pair === Cc.BE) e = wide ? '(p1 < p3 || (p1 === p3 && p0 <= p2))' : 'p0 <= p2';
    else if (sub && pair === Cc.L) e = wide ? '((p1 | 0) < (p3 | 0) || (p1 === p3 && p0 < p2))' : '(p0 | 0) < (p2 | 0)';
    else if (sub && pair === Cc.LE)
      e = wide ? '((p1 | 0) < (p3 | 0) || (p1 === p3 && p0 <= p2))' : '(p0 | 0) <= (p2 | 0)';
    // Logic ops clear CF and OF: B is never taken, BE is Z, L is S, LE is Z or S, O never.
    else if (logic && pair === Cc.O) e = 'false';
    else if (logic && pair === Cc.B) e = 'false';
    else if (logic && pair === Cc.BE) e = zero;
    else if (logic && pair === Cc.L) e = sign;
    else if (logic && pair === Cc.LE) e = `(${zero} || ${sign})`;
    if (e === undefined) return undefined;
    return (cc & 1) !== 0 ? `!(${e})` : e;
  }

  /** The statement that leaves pk saying what is pending here ('' when it does already). */
  pkCode(): string {
    if (this.pending !== undefined) return `pk = ${lazyCode(this.pending.op, this.pending.size)};`;
    return this.dynamic ? '' : 'pk = 0;';
  }
}
