// The state of one region's emission, which every part of the emitter shares: the code written so far, the
// guest registers and RFLAGS in locals, the inline access sites and the exits of the points that may fault.
import type { Insn } from '../../decode/insn.js';
import { flagLiveness, type Planned } from '../plan.js';
import { Code } from './code.js';
import { LazyFlags } from './flags.js';
import { Locals } from './locals.js';

/** What the body's code needs at every basic block's start (from a dry run of the body): the registers the
 *  region uses, and per basic block those that may have changed since they were last stored. */
export interface Shared {
  used: Set<number>;
  dirtyIn: Set<number>[];
  flagsEverDirty: boolean;
}

export class Emission {
  readonly code = new Code();
  readonly locals = new Locals(this.code);
  readonly flags = new LazyFlags(this.code);
  /** The start of the current basic block when it loops on itself (its body is a `for`), else -1. */
  selfLoop = -1;
  /** Access sites (instruction indices) with a remembered page, and the canonical check linear() left for
   *  the next access's slow path. */
  readonly sites = new Set<number>();
  canon = '';
  /** What each basic block starts with: the dry run's findings (the emission's own during the dry run). */
  shared: Shared = { used: this.locals.used, dirtyIn: [], flagsEverDirty: false };
  /** The exit code of each point where an inline access may throw (pc = its index): the state to store. */
  readonly deopt: string[] = [];
  /** Flags live into each instruction (flagLiveness). */
  readonly liveIn: Int32Array;

  constructor(
    readonly planned: Planned[],
    /** RAM offset of the region's page. */
    readonly page: number,
    readonly long64: boolean,
  ) {
    this.liveIn = flagLiveness(planned);
  }

  emit(line: string): void {
    this.code.emit(line);
  }

  reg(h: number): string {
    return this.locals.reg(h);
  }

  setReg(h: number, value: string): void {
    this.locals.setReg(h, value);
  }

  markDirty(h: number): void {
    this.locals.markDirty(h);
  }

  byteReg(insn: Insn, r: number): string {
    return this.locals.byteReg(insn, r);
  }

  /** The state at basic block bb's start: all the region's registers loaded, any of them possibly changed,
   *  the flags in f with whatever pk says pending. */
  enterBlock(bb: number): void {
    this.locals.enterBlock(bb, this.shared.used, this.shared.dirtyIn[bb]);
    this.flags.enterBlock(this.shared.flagsEverDirty);
  }

  /** The store-back of changed locals (kept loaded), pending flags computed, as one string. */
  flushCode(): string {
    const parts: string[] = [...this.locals.storeCode(), this.flags.computeCode()];
    if (this.flags.dirty) parts.push('cpu.rflags = f;');
    return parts.join(' ');
  }

  flush(): void {
    const c = this.flushCode();
    if (c.trim() !== '') this.emit(c);
    this.flags.stored();
    this.locals.dirty.clear();
  }

  /** Forget the locals (a handler may have changed any register or RFLAGS). */
  invalidate(): void {
    this.locals.invalidate();
    this.flags.invalidate();
  }

  /** Before the ways out of a basic block: every register the region uses loaded again, RFLAGS too. */
  reloadAll(): void {
    for (const h of this.shared.used) this.reg(h);
    this.flags.load();
  }
}
