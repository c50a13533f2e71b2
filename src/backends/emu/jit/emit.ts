// The JavaScript of a compiled region (see compile.ts for what it guarantees): locals for guest registers
// and RFLAGS, lazy flags, deferred state for faults, loops, exits.
import { Vector } from '../../../x86/vectors.js';
import { TLB_MASK } from '../cpu/mmu.js';
import { memSeg } from '../cpu/operands.js';
import { type Insn, Reg, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { AF, CF, OF } from '../exec/alu/index.js';
import { lazyCode, lazyExpr } from './lazy.js';
import {
  CANON,
  ENDS_BLOCK,
  flagLiveness,
  Kind,
  maskRip,
  type Planned,
  type Segment,
  shiftCount,
  writesMemory,
} from './plan.js';

/** A region that loops runs about this many instructions per call at most (the run loop checks for kicks
 *  between calls): ~0.1 ms of compiled code, while each entry's code comparison and register loads cost
 *  ~8 % of compute.elf's time at 4096. */
const REGION_INSNS = 65536;

/** The JS condition for Jcc `cc` on flags expression `f` (SDM vol. 1 table B-1). */
function condExpr(cc: number, f: string): string {
  let e: string;
  switch (cc >> 1) {
    case 0:
      e = `(${f} & 0x800) !== 0`;
      break;
    case 1:
      e = `(${f} & 1) !== 0`;
      break;
    case 2:
      e = `(${f} & 0x40) !== 0`;
      break;
    case 3:
      e = `(${f} & 0x41) !== 0`;
      break;
    case 4:
      e = `(${f} & 0x80) !== 0`;
      break;
    case 5:
      e = `(${f} & 4) !== 0`;
      break;
    case 6:
      e = `((${f} >>> 7) & 1) !== ((${f} >>> 11) & 1)`;
      break;
    default:
      e = `(${f} & 0x40) !== 0 || ((${f} >>> 7) & 1) !== ((${f} >>> 11) & 1)`;
  }
  return (cc & 1) !== 0 ? `!(${e})` : e;
}

/** The TLB entry of linear address `a` (mmu.ts's fast path): its slot ti, page number vp, RAM offset o (-1: not
 *  RAM) and the offset q in the page. */
const TLB_LOOKUP = `const vp = Math.floor(a / 4096), ti = vp & ${TLB_MASK}, o = TO[ti], q = a & 4095;`;

/** Whether that entry maps the page to RAM with the rights in local `need` for `size` bytes not crossing it. */
function tlbHit(need: string, size: number): string {
  return `TV[ti] === vp && (TF[ti] & ${need}) !== 0 && o >= 0 && q <= ${4096 - size}`;
}

/** Whether byte register r is AH, CH, DH or BH (4-7 without a REX prefix). */
function highByte(insn: Insn, r: number): boolean {
  return insn.rex === 0 && r >= 4 && r < 8;
}

/** The region's bytes as they are now, as (RAM offset, little-endian int32) pairs covering every segment: a
 *  segment's last word may overlap the one before it; a segment shorter than 4 bytes takes the word that ends
 *  with it (or starts with it, at the start of RAM). */
export function codeWords(ram: Uint8Array, segs: Segment[]): { offs: Float64Array; words: Int32Array } {
  const offs: number[] = [];
  for (const g of segs) {
    for (let o = g.start; o < g.end; o += 4) offs.push(Math.max(0, Math.min(o, g.end - 4)));
  }
  const words = offs.map((o) => ram[o]! | (ram[o + 1]! << 8) | (ram[o + 2]! << 16) | (ram[o + 3]! << 24));
  // Offsets as doubles: RAM above 2 GiB does not fit an int32.
  return { offs: Float64Array.from(offs), words: Int32Array.from(words) };
}

/** What the body's code needs at every basic block's start (from a dry run of the body): the registers the
 *  region uses, and per basic block those that may have changed since they were last stored. */
interface Shared {
  used: Set<number>;
  dirtyIn: Set<number>[];
  flagsEverDirty: boolean;
}

/** linear()'s canonical check of the 64-bit number `x`: #`vector`(0) outside -2^47..2^47-1. */
function canonical(x: string, vector: number): string {
  return `if (${x} < ${-CANON} || ${x} >= ${CANON}) cpu.raise(${vector}, 0);`;
}

/**
 * The number hi * 2^32 + lo for the int32 expression `hi` (wrapped) and the low sum `lo`: exact wherever the
 * result is a canonical address. High halves of 0 (below 4 GiB) and of all ones (the top 2 GiB, where x86-64
 * kernels live) are separate ways that need no multiplication: in a region that meets only those, V8 never
 * runs the general way and keeps the address in integer arithmetic.
 */
function address64(hi: string, lo: string): string {
  const h = `(${hi} | 0)`;
  return `(${h} === 0 ? ${lo} : ${h} === -1 ? ${lo} - 4294967296 : ${h} * 4294967296 + ${lo})`;
}

/**
 * Writes a region's JavaScript: `out: for (;;) switch (L) { case <basic block>: ... }` with guest registers
 * (uint32 halves) and RFLAGS in JS locals, which always hold the truth: every register the region uses is
 * loaded on entry and again after each handler call (it may change any of them), the flags are in f/pk
 * (lazy.ts). Before a handler call the changed ones are stored; every way out sets the rip (X) and retired
 * count (n) and leaves the loop to one epilogue that stores them all; a fault in an inline access leaves
 * through the catch the same way.
 */
export class Emitter {
  private readonly out: string[] = [];
  /** Register halves (index into cpu.regs) held in locals, and those changed since they were stored. */
  private readonly loaded = new Set<number>();
  private dirty = new Set<number>();
  private readonly used = new Set<number>();
  private flagsLoaded = false;
  private flagsDirty = false;
  /**
   * Lazy flags (lazy.ts): the last flag-writing op whose flags have not been computed yet, when known here.
   * Its operands are in p0..p3 and its result in p4/p5; `compute` yields RFLAGS from them and f. With
   * `dynamic` set instead, the local pk says which op is pending (0: none).
   */
  private pending: { op: number; size: number; compute: string; cond: boolean } | undefined;
  private dynamic = false;
  /** Every half (and whether RFLAGS) this emission ever changed. */
  private readonly everDirty = new Set<number>();
  private flagsEverDirty = false;
  /** Per basic block: the halves changed after its last handler call (all, without one), and whether it has
   *  one. */
  private readonly gen: Set<number>[] = [];
  private readonly calls: boolean[] = [];
  private bb = 0;
  /** The start of the current basic block when it loops on itself (its body is a `for`), else -1. */
  private selfLoop = -1;
  /** Access sites (instruction indices) with a remembered page, and the canonical check linear() left for
   *  the next access's slow path. */
  private readonly sites = new Set<number>();
  private canon = '';
  /** What each basic block starts with: the dry run's findings (the emission's own during the dry run). */
  private shared: Shared = { used: this.used, dirtyIn: [], flagsEverDirty: false };
  /** The exit code of each point where an inline access may throw (pc = its index): the state to store. */
  private readonly deopt: string[] = [];
  /** Flags live into each instruction (flagLiveness). */
  private readonly liveIn: Int32Array;

  constructor(
    private readonly planned: Planned[],
    /** RAM offset of the region's page. */
    private readonly page: number,
    private readonly long64: boolean,
  ) {
    this.liveIn = flagLiveness(planned);
  }

  /** The body's code: the basic blocks as cases. */
  private body(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.planned.length; k++) {
      const p = this.planned[k]!;
      if (p.pos === 0) {
        // A basic block that branches back to its own start (an inner loop) loops in place.
        let last = k;
        while (this.planned[last + 1] !== undefined && this.planned[last + 1]!.pos !== 0) last++;
        const end = this.planned[last]!;
        this.selfLoop = end.kind === Kind.Jcc && end.taken === k ? k : -1;
        this.emit(`case ${p.bb}:${this.selfLoop >= 0 ? ' for (;;) {' : ''}`);
        this.bb = p.bb;
        this.gen[p.bb] = new Set();
        this.calls[p.bb] = false;
        this.enterBlock();
      }
      this.instruction(p, k);
      out.push(...this.take());
    }
    return out;
  }

  source(): string {
    // A dry run of the body finds the registers the region uses and changes: every basic block starts with
    // all of them loaded, and every way out stores all it may have changed.
    const dry = new Emitter(this.planned, this.page, this.long64);
    dry.body();
    this.shared = { used: dry.used, dirtyIn: dry.dirtyIn(), flagsEverDirty: dry.flagsEverDirty };
    for (const h of dry.used) this.reg(h);
    this.loadFlags();
    const preload = this.take();
    const body = this.body();
    const locals = [
      ...[...this.used].map((h) => `g${h} = 0`),
      ...[...this.sites].map((k) => `sv${k} = 0, so${k} = -1`),
    ];
    const store = [...dry.everDirty].map((h) => `r[${h}] = g${h};`).join(' ');
    const flags = 'if (pk !== 0) f = lazyFlags(pk, p0, p1, p2, p3, f); cpu.rflags = f;';
    // An inline access that faults or exits (MMIO read) leaves the state the interpreter would have.
    const cases = this.deopt.map((c, k) => (c === undefined ? '' : `case ${k}: ${c} break;`)).join(' ');
    return [
      'const stale = (v) => { for (let i = 0; i < SO.length; i++) if (v.getInt32(SO[i], true) !== SW[i]) return true; return false; };',
      'return function block(cpu, L) {',
      'const r = cpu.regs, v = cpu.ramView, m = cpu.ram, TV = cpu.tlbVpn, TF = cpu.tlbFlags, TO = cpu.tlbOff, nr = cpu.needR, nw = cpu.needW;',
      `let base = 0, f = 0, pk = 0, pc = -1, X = 0, n = 0, tp = false, p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0${locals.length > 0 ? `, ${locals.join(', ')}` : ''};`,
      // Instructions retired in this call count from 0 (small integers); cpu.retired is r0 plus them.
      'const r0 = cpu.retired;',
      'if (stale(v)) return -1;',
      ...preload,
      'try {',
      'out: for (;;) switch (L) {',
      ...body,
      '}',
      `} catch (e) { if (pc < 0) throw e; switch (pc) { ${cases} } ${store} ${flags} cpu.rip = cpu.startRip = X; cpu.retired = r0 + n; throw e; }`,
      `${store} ${flags} cpu.rip = X; cpu.retired = r0 + n; return 0;`,
      '};',
    ].join('\n');
  }

  /** Per basic block, the halves that may have changed since they were last stored when it starts (forward
   *  over the ways between blocks to a fixed point; a handler call stores all of them). */
  private dirtyIn(): Set<number>[] {
    const n = this.gen.length;
    const into: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
    const outOf = (b: number) => (this.calls[b] ? this.gen[b]! : new Set([...into[b]!, ...this.gen[b]!]));
    for (let changed = true; changed; ) {
      changed = false;
      for (const [k, p] of this.planned.entries()) {
        const next = this.planned[k + 1];
        if (next !== undefined && next.pos !== 0) continue;
        for (const j of [p.fall, p.taken]) {
          if (j < 0) continue;
          const to = into[this.planned[j]!.bb]!;
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

  private take(): string[] {
    return this.out.splice(0, this.out.length);
  }

  private emit(line: string): void {
    this.out.push(line);
  }

  /** The state at a basic block's start: all the region's registers loaded, any of them possibly changed,
   *  the flags in f with whatever pk says pending. */
  private enterBlock(): void {
    this.loaded.clear();
    for (const h of this.shared.used) this.loaded.add(h);
    this.dirty = new Set(this.shared.dirtyIn[this.bb] ?? this.everDirty);
    this.flagsLoaded = true;
    this.flagsDirty = this.shared.flagsEverDirty;
    this.pending = undefined;
    this.dynamic = true;
  }

  /** The local holding register half h (loaded on first use). */
  private reg(h: number): string {
    this.used.add(h);
    if (!this.loaded.has(h)) {
      this.emit(`g${h} = r[${h}];`);
      this.loaded.add(h);
    }
    return `g${h}`;
  }

  private setReg(h: number, value: string): void {
    this.used.add(h);
    this.emit(`g${h} = ${value};`);
    this.loaded.add(h);
    this.markDirty(h);
  }

  private markDirty(h: number): void {
    this.dirty.add(h);
    this.everDirty.add(h);
    this.gen[this.bb]?.add(h);
  }

  /** The statement computing pending flags into f ('' when none are pending). */
  private computeCode(): string {
    if (this.pending !== undefined) return `f = ${this.pending.compute};`;
    return this.dynamic ? 'if (pk !== 0) f = lazyFlags(pk, p0, p1, p2, p3, f);' : '';
  }

  /** `f` holding the exact RFLAGS (computing pending flags first). */
  private flags(): string {
    this.loadFlags();
    const c = this.computeCode();
    if (c !== '') this.emit(c);
    this.pending = undefined;
    this.dynamic = false;
    return 'f';
  }

  private loadFlags(): void {
    if (!this.flagsLoaded) {
      this.emit('f = cpu.rflags;');
      this.flagsLoaded = true;
      this.pending = undefined;
      this.dynamic = false;
    }
  }

  private setFlags(value: string): void {
    this.emit(`f = ${value};`);
    this.pending = undefined;
    this.dynamic = false;
    this.flagsLoaded = true;
    this.flagsDirty = true;
    this.flagsEverDirty = true;
  }

  /**
   * A flag writer whose flags are observed: operands to p0..p3 (a shift's count in p2), then `result` (which
   * leaves the result in p4/p5, or the caller does), flags left pending. A writer that keeps some flags from
   * before (INC/DEC: CF; IMUL: SF, ZF, AF, PF; a shift by CL may not shift) has those computed first.
   */
  private setPending(
    op: number,
    size: number,
    a: [string, string],
    b: [string, string],
    result: string,
    countMayBeZero = false,
  ): void {
    const partial = op === Op.INC || op === Op.DEC || op === Op.IMUL2 || op === Op.IMUL3 || countMayBeZero;
    if (op === Op.INC || op === Op.DEC) this.carryOnly();
    else if (partial) this.flags();
    else this.loadFlags();
    this.emit(`p0 = ${a[0]}; p1 = ${a[1]}; p2 = ${b[0]}; p3 = ${b[1]};`);
    if (result !== '') this.emit(result);
    // Zero and sign are the result's, except after IMUL (undefined: kept) or a shift whose count may be 0.
    const cond = op !== Op.IMUL2 && op !== Op.IMUL3 && !countMayBeZero;
    this.pending = { op, size, compute: lazyExpr(op, size), cond };
    this.dynamic = false;
    this.flagsLoaded = true;
    this.flagsDirty = true;
    this.flagsEverDirty = true;
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
      this.flags();
      return;
    }
    if (cf !== '') this.emit(`f = (f & -2) | ${cf};`);
    this.pending = undefined;
    this.dynamic = false;
  }

  /** Jcc condition `cc` read off the pending op's operands/result, or undefined when it needs the flags. */
  private pendingCond(cc: number): string | undefined {
    const pd = this.pending;
    if (pd === undefined || !pd.cond) return undefined;
    const wide = pd.size === 8;
    const zero = wide ? '(p4 | p5) === 0' : 'p4 === 0';
    const sign = wide ? '(p5 >>> 31) === 1' : '(p4 >>> 31) === 1';
    let e: string | undefined;
    const pair = cc >> 1;
    const sub = pd.op === Op.SUB || pd.op === Op.CMP;
    const logic = pd.op === Op.AND || pd.op === Op.OR || pd.op === Op.XOR || pd.op === Op.TEST;
    if (pair === 2) e = zero;
    else if (pair === 4) e = sign;
    else if (sub && pair === 1) e = wide ? '(p1 < p3 || (p1 === p3 && p0 < p2))' : 'p0 < p2';
    else if (sub && pair === 3) e = wide ? '(p1 < p3 || (p1 === p3 && p0 <= p2))' : 'p0 <= p2';
    else if (sub && pair === 6) e = wide ? '((p1 | 0) < (p3 | 0) || (p1 === p3 && p0 < p2))' : '(p0 | 0) < (p2 | 0)';
    else if (sub && pair === 7) e = wide ? '((p1 | 0) < (p3 | 0) || (p1 === p3 && p0 <= p2))' : '(p0 | 0) <= (p2 | 0)';
    // Logic ops clear CF and OF: B is never taken, BE is Z, L is S, LE is Z or S, O never.
    else if (logic && pair === 0) e = 'false';
    else if (logic && pair === 1) e = 'false';
    else if (logic && pair === 3) e = zero;
    else if (logic && pair === 6) e = sign;
    else if (logic && pair === 7) e = `(${zero} || ${sign})`;
    if (e === undefined) return undefined;
    return (cc & 1) !== 0 ? `!(${e})` : e;
  }

  /** The store-back of changed locals (kept loaded), pending flags computed, as one string. */
  private flushCode(): string {
    const parts: string[] = [...[...this.dirty].map((h) => `r[${h}] = g${h};`), this.computeCode()];
    if (this.flagsDirty) parts.push('cpu.rflags = f;');
    return parts.join(' ');
  }

  private flush(): void {
    const c = this.flushCode();
    if (c.trim() !== '') this.emit(c);
    this.pending = undefined;
    this.dynamic = false;
    this.dirty.clear();
    this.flagsDirty = false;
  }

  /** Forget the locals (a handler may have changed any register or RFLAGS). */
  private invalidate(): void {
    this.loaded.clear();
    this.flagsLoaded = false;
    this.gen[this.bb]?.clear();
    this.calls[this.bb] = true;
  }

  /** Before the ways out of a basic block: every register the region uses loaded again, RFLAGS too. */
  private reloadAll(): void {
    for (const h of this.shared.used) this.reg(h);
    this.loadFlags();
  }

  /** The statement that leaves pk saying what is pending here ('' when it does already). */
  private pkCode(): string {
    if (this.pending !== undefined) return `pk = ${lazyCode(this.pending.op, this.pending.size)};`;
    return this.dynamic ? '' : 'pk = 0;';
  }

  /** Code that leaves the region with rip and retired as after instruction p (through the epilogue). */
  private exitCode(p: Planned, rip: string): string {
    return `${this.pkCode()} X = ${rip}; n = base + ${p.pos + 1}; break out;`;
  }

  /**
   * Code that goes from the end of p's basic block to instruction j's (a block start): pk says what is pending
   * when the flags are live there, the retired base moves on, a way backwards leaves the region once it has
   * run its share of instructions, and control goes to j's case (falls into it when it comes next and this is
   * the basic block's last way out, `last`).
   */
  private edgeCode(p: Planned, k: number, j: number, last: boolean): string {
    const q = this.planned[j]!;
    const parts: string[] = [];
    if (this.liveIn[j] !== 0) parts.push(this.pkCode());
    parts.push(`base += ${p.pos + 1};`);
    if (j <= k) parts.push(`if (base >= ${REGION_INSNS}) { ${this.pkCode()} X = ${q.rip}; n = base; break out; }`);
    if (j === this.selfLoop) parts.push('continue;');
    else if (!last || j !== k + 1) parts.push(`L = ${q.bb}; continue out;`);
    return parts.join(' ');
  }

  /** After p, the last of its basic block and not a branch: on to the instruction it falls to, or out. */
  private fallOut(p: Planned, k: number): void {
    this.reloadAll();
    this.emit(p.fall >= 0 ? this.edgeCode(p, k, p.fall, true) : this.exitCode(p, `${p.next}`));
  }

  /** The interpreter's view before instruction k may fault: state stored, rip/startRip/retired at k. */
  private sync(p: Planned): void {
    this.flush();
    this.emit(`pc = -1; cpu.rip = cpu.startRip = ${p.rip}; cpu.retired = r0 + base + ${p.pos};`);
  }

  /** Before an inline memory access: deferred where the address comes from the locals (64-bit addressing in
   *  64-bit mode, 32-bit addressing elsewhere), else the full sync (memLinear() reads the registers). */
  private accessPoint(p: Planned, k: number): void {
    if ((this.long64 && p.insn.asize === 8) || (!this.long64 && p.insn.asize === 4)) this.faultPoint(p, k);
    else this.sync(p);
  }

  /** Before an inline memory access of instruction k: nothing is stored unless it throws (then the catch
   *  stores what sync() would have, see source()). */
  private faultPoint(p: Planned, k: number): void {
    this.emit(`pc = ${k};`);
    this.deopt[k] = `${this.pkCode()} X = ${p.rip}; n = base + ${p.pos};`;
  }

  /**
   * An inline load of `size` bytes at linear address expression `la` into the locals `lo` (and `hi` for 8),
   * for access site k. Each site remembers the last RAM page it used (locals svK: linear page, soK: RAM
   * offset, -1 until the first; a translation the TLB held, which nothing inside a region can invalidate;
   * both start as small integers, so V8 keeps the check in integer arithmetic); another page goes
   * through the canonical check, the TLB, and the CPU's read (MMIO, watched pages, page crossings; a data
   * breakpoint match sets tp, and the region ends after the instruction, see trapCheck()).
   */
  private load(k: number, la: string, size: number, lo: string, hi = ''): void {
    const get = (o: string) =>
      size === 1
        ? `${lo} = m[${o}];`
        : size === 2
          ? `${lo} = v.getUint16(${o}, true);`
          : size === 4
            ? `${lo} = v.getUint32(${o}, true);`
            : `${lo} = v.getUint32(${o}, true); ${hi} = v.getUint32(${o} + 4, true);`;
    const call = size === 8 ? `${lo} = cpu.read64(a, nr); ${hi} = cpu.hi;` : `${lo} = cpu.read${size * 8}(a, nr);`;
    this.sites.add(k);
    this.emit(`{ const a = ${la}, po = a - sv${k};`);
    this.emit(`if (po >= 0 && po <= ${4096 - size} && so${k} >= 0) { ${get(`so${k} + po`)} }`);
    this.emit(`else { ${this.takeCanon()} ${TLB_LOOKUP}`);
    this.emit(`if (${tlbHit('nr', size)}) { sv${k} = vp * 4096; so${k} = o; ${get('o + q')} }`);
    this.emit(`else { ${call} tp = cpu.trapPending; } } }`);
  }

  /** The canonical check linear() left for the access's slow path (a remembered page passed it). */
  private takeCanon(): string {
    const c = this.canon;
    this.canon = '';
    return c;
  }

  /** After an instruction with an inline load: a data breakpoint it matched ends the region (its trap is
   *  taken after the instruction). */
  private trapCheck(p: Planned): void {
    this.emit(`if (tp) { ${this.exitCode(p, `${p.next}`)} }`);
  }

  /**
   * An inline store of `size` bytes (lo, hi) at linear address expression `la`, after instruction p's fault
   * point: the TLB's RAM fast path, else the CPU's write (MMIO, watched pages, page crossings: an exit or a
   * data breakpoint ends the region after p). `done` runs once the write succeeded. A store into the region's
   * own page ends the region after p when its code changed (the next entry finds it stale and recompiles).
   */
  private store(p: Planned, k: number, la: string, size: number, lo: string, hi: string, done = ''): void {
    const out = this.exitCode(p, `${p.next}`);
    const put = (o: string) =>
      size === 1
        ? `m[${o}] = ${lo};`
        : size === 4
          ? `v.setUint32(${o}, ${lo}, true);`
          : `v.setUint32(${o}, ${lo}, true); v.setUint32(${o} + 4, ${hi}, true);`;
    const call = size === 8 ? `cpu.write64(a, ${lo}, ${hi}, nw)` : `cpu.write${size * 8}(a, ${lo}, nw)`;
    this.sites.add(k);
    this.emit(`{ const a = ${la}, po = a - sv${k};`);
    this.emit(`if (po >= 0 && po <= ${4096 - size} && so${k} >= 0) { ${put(`so${k} + po`)} ${done} }`);
    this.emit(`else { ${this.takeCanon()} ${TLB_LOOKUP}`);
    // The region's own page is never remembered: a store there compares the code.
    this.emit(`if (${tlbHit('nw', size)}) { ${put('o + q')} ${done}`);
    this.emit(`if (o !== ${this.page}) { sv${k} = vp * 4096; so${k} = o; } else if (stale(v)) { ${out} } }`);
    // After the CPU's write the TLB usually maps the page (RAM): only a store into the region's page, to an
    // unmapped one (MMIO, a watched page) or across pages needs the code compared.
    const unsure = `(TV[ti] !== vp || TO[ti] === ${this.page} || TO[ti] < 0 || q > ${4096 - size})`;
    this.emit(
      `else { ${call}; ${done} if (cpu.exitKind !== 0 || cpu.trapPending || (${unsure} && stale(v))) { ${out} } } } }`,
    );
  }

  private instruction(p: Planned, k: number): void {
    const insn = p.insn;
    const size = insn.osize;
    const wide = size === 8;
    const d = 2 * p.d;
    const s = 2 * p.s;
    const imm = insn.imm >>> 0;
    const immHi = wide ? insn.immHi >>> 0 : 0;
    const srcLo = () => (p.s >= 0 ? this.reg(s) : `${imm}`);
    const srcHi = () => (!wide ? '0' : p.s >= 0 ? this.reg(s + 1) : `${immHi}`);
    switch (p.kind) {
      case Kind.Mov: {
        const lo = srcLo();
        const hi = srcHi();
        this.setReg(d, lo);
        this.setReg(d + 1, hi);
        break;
      }
      case Kind.Binary:
        this.binary(p, d, this.reg(d), wide ? this.reg(d + 1) : '0', srcLo(), srcHi());
        break;
      case Kind.BinaryMem:
        this.binaryMem(p, k);
        break;
      case Kind.Lea:
        this.lea(p);
        break;
      case Kind.Shift:
        this.shift(p);
        break;
      case Kind.Movzx:
        this.movzx(p, k);
        break;
      case Kind.Imul:
        this.imul(p);
        break;
      case Kind.Store8:
        this.store8(p, k);
        break;
      case Kind.Push:
        this.push(
          p,
          k,
          p.s >= 0 ? this.reg(2 * p.s) : `${p.insn.imm >>> 0}`,
          p.s >= 0 ? this.reg(2 * p.s + 1) : `${p.insn.immHi >>> 0}`,
        );
        break;
      case Kind.Pop:
        this.pop(p, k);
        break;
      case Kind.CallRel: {
        this.push(p, k, `${p.next >>> 0}`, `${Math.floor(p.next / 4294967296) >>> 0}`);
        this.reloadAll();
        this.emit(p.taken >= 0 ? this.edgeCode(p, k, p.taken, true) : this.exitCode(p, `${p.next + p.insn.imm}`));
        return;
      }
      case Kind.Ret:
        this.ret(p, k);
        return;
      case Kind.Unary:
        this.unary(p, d);
        break;
      case Kind.Load:
      case Kind.Store:
        this.memory(p, k);
        break;
      case Kind.Jcc:
      case Kind.Jmp:
        this.branch(p, k);
        return;
      case Kind.Nop:
        break;
      case Kind.Movsx:
        this.movsx(p, k);
        break;
      case Kind.Setcc:
        this.setcc(p);
        break;
      case Kind.Cmov:
        this.cmov(p);
        break;
      default: {
        this.sync(p);
        this.emit(`cpu.nextRip = ${p.next};`);
        this.emit(`F[${k}](cpu, I[${k}]);`);
        this.invalidate();
        if (ENDS_BLOCK[insn.op] === 1) {
          this.emit(`cpu.rip = cpu.nextRip; cpu.retired = r0 + base + ${p.pos + 1}; return 0;`);
          return;
        }
        // An MMIO write or a data breakpoint ends the region after the instruction; so does a store into
        // the region's code.
        const stale = writesMemory(insn) ? ' || stale(v)' : '';
        this.emit(
          `if (cpu.exitKind !== 0 || cpu.trapPending${stale}) { cpu.rip = ${p.next}; cpu.retired = r0 + base + ${p.pos + 1}; return 0; }`,
        );
        this.reloadAll();
        break;
      }
    }
    const next = this.planned[k + 1];
    if (next === undefined || next.pos === 0) this.fallOut(p, k);
  }

  /** ALU op on (aLo, aHi) and (bLo, bHi); the result goes to register halves d, d+1 unless CMP/TEST. */
  private binary(p: Planned, d: number, aLo: string, aHi: string, bLo: string, bHi: string): void {
    const op = p.insn.op;
    const size = p.insn.osize;
    const wide = size === 8;
    const store = op !== Op.CMP && op !== Op.TEST;
    const logic = op === Op.AND || op === Op.OR || op === Op.XOR || op === Op.TEST;
    if (p.liveFlags !== 0 && op !== Op.ADC && op !== Op.SBB && !(logic && (p.liveFlags & ~(CF | OF | AF)) === 0)) {
      // Flags left pending (computed only where something needs them all).
      const o =
        op === Op.ADD ? '+' : op === Op.SUB || op === Op.CMP ? '-' : op === Op.XOR ? '^' : op === Op.OR ? '|' : '&';
      // The carry (borrow) out of the low halves is an unsigned comparison: V8 keeps it all in 32-bit integers.
      let result: string;
      if (!wide) result = `p4 = (p0 ${o} p2) >>> 0; p5 = 0;`;
      else if (op === Op.ADD) result = 'p4 = (p0 + p2) >>> 0; p5 = (p1 + p3 + (p4 < p0 ? 1 : 0)) >>> 0;';
      else if (op === Op.SUB || op === Op.CMP)
        result = 'p4 = (p0 - p2) >>> 0; p5 = (p1 - p3 - (p0 < p2 ? 1 : 0)) >>> 0;';
      else result = `p4 = (p0 ${o} p2) >>> 0; p5 = (p1 ${o} p3) >>> 0;`;
      this.setPending(op, size, [aLo, aHi], [bLo, bHi], result);
      if (store) {
        this.setReg(d, 'p4');
        this.setReg(d + 1, 'p5');
      }
      return;
    }
    if (p.liveFlags !== 0 || op === Op.ADC || op === Op.SBB) {
      // Logic ops clear CF, OF and AF (exec/alu/logic.ts): when only those are observed, that is all there is to do.
      if (logic && (p.liveFlags & ~(CF | OF | AF)) === 0) {
        // The bits it clears are all that is observed of its flags, and the other flags before it are
        // overwritten before anything reads them: whatever is pending need not be computed.
        this.loadFlags();
        this.setFlags(`f & ${~p.liveFlags}`);
      } else {
        const f = this.flags();
        const cin = op === Op.ADC || op === Op.SBB ? `${f} & 1` : '0';
        const call =
          op === Op.ADD || op === Op.ADC
            ? `add(${size}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${cin}, ${f})`
            : op === Op.SUB || op === Op.SBB || op === Op.CMP
              ? `sub(${size}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${cin}, ${f})`
              : `${op === Op.XOR ? 'xor' : op === Op.OR ? 'or' : 'and'}(${size}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${f})`;
        this.setFlags(call);
        if (store) {
          this.setReg(d, 'aluOut.lo');
          this.setReg(d + 1, 'aluOut.hi');
        }
        return;
      }
    }
    if (!store) return;
    // The result alone.
    if (!wide) {
      const o = op === Op.ADD ? '+' : op === Op.SUB ? '-' : op === Op.XOR ? '^' : op === Op.OR ? '|' : '&';
      this.setReg(d, `(${aLo} ${o} ${bLo}) >>> 0`);
      this.setReg(d + 1, '0');
      return;
    }
    if (op === Op.ADD || op === Op.SUB) {
      const o = op === Op.ADD ? '+' : '-';
      this.emit(`{ const l = (${aLo} ${o} ${bLo}) >>> 0;`);
      const carry = op === Op.ADD ? `(l < ${aLo} ? 1 : 0)` : `(${aLo} < ${bLo} ? 1 : 0)`;
      this.emit(`${this.reg(d + 1)} = (${aHi} ${o} ${bHi} ${o} ${carry}) >>> 0; ${this.reg(d)} = l; }`);
      this.markDirty(d);
      this.markDirty(d + 1);
      return;
    }
    const o = op === Op.XOR ? '^' : op === Op.OR ? '|' : '&';
    this.setReg(d, `(${aLo} ${o} ${bLo}) >>> 0`);
    this.setReg(d + 1, `(${aHi} ${o} ${bHi}) >>> 0`);
  }

  private unary(p: Planned, d: number): void {
    const op = p.insn.op;
    const size = p.insn.osize;
    const wide = size === 8;
    const lo = this.reg(d);
    const hi = wide ? this.reg(d + 1) : '0';
    if (p.liveFlags !== 0) {
      const o = op === Op.INC ? '+' : '-';
      const result =
        op === Op.NEG
          ? wide
            ? 'p5 = (-p1 - (p0 !== 0 ? 1 : 0)) >>> 0; p4 = -p0 >>> 0;'
            : 'p4 = -p0 >>> 0; p5 = 0;'
          : !wide
            ? `p4 = (p0 ${o} 1) >>> 0; p5 = 0;`
            : op === Op.INC
              ? 'p4 = (p0 + 1) >>> 0; p5 = (p1 + (p0 === 4294967295 ? 1 : 0)) >>> 0;'
              : 'p4 = (p0 - 1) >>> 0; p5 = (p1 - (p0 === 0 ? 1 : 0)) >>> 0;';
      this.setPending(op, size, [lo, hi], ['1', '0'], result);
      this.setReg(d, 'p4');
      this.setReg(d + 1, 'p5');
      return;
    }
    // NOT ("Flags Affected: None") or flags unobserved: the result alone.
    if (op === Op.NOT) {
      this.setReg(d, `~${lo} >>> 0`);
      this.setReg(d + 1, wide ? `~${hi} >>> 0` : '0');
    } else if (op === Op.NEG) {
      if (wide) this.setReg(d + 1, `(-${hi} - (${lo} !== 0 ? 1 : 0)) >>> 0`);
      else this.setReg(d + 1, '0');
      this.setReg(d, `-${lo} >>> 0`);
    } else {
      const o = op === Op.INC ? '+' : '-';
      if (wide) {
        const carry = op === Op.INC ? `(${lo} === 4294967295 ? 1 : 0)` : `(${lo} === 0 ? 1 : 0)`;
        this.setReg(d + 1, `(${hi} ${o} ${carry}) >>> 0`);
      } else this.setReg(d + 1, '0');
      this.setReg(d, `(${lo} ${o} 1) >>> 0`);
    }
  }

  /** ALU with a memory operand: the load (a fault point), then the register form's code. */
  private binaryMem(p: Planned, k: number): void {
    const insn = p.insn;
    const wide = insn.osize === 8;
    this.accessPoint(p, k);
    this.emit('{');
    const la = this.linear(p, insn.osize, false);
    this.emit('let t = 0, th = 0;');
    this.load(k, la, insn.osize, 't', wide ? 'th' : '');
    const other = p.s >= 0 ? this.reg(2 * p.s) : `${insn.imm >>> 0}`;
    const otherHi = !wide ? '0' : p.s >= 0 ? this.reg(2 * p.s + 1) : `${insn.immHi >>> 0}`;
    if (p.d < 0) this.binary(p, -1, 't', 'th', other, otherHi);
    else this.binary(p, 2 * p.d, this.reg(2 * p.d), wide ? this.reg(2 * p.d + 1) : '0', 't', 'th');
    this.emit('}');
    this.trapCheck(p);
  }

  /** LEA: effAddrLoHi()'s sum, truncated or zero-extended to the operand size. Flags untouched. */
  private lea(p: Planned): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const wide = insn.osize === 8;
    if (insn.asize === 4) {
      const terms = [`${insn.disp}`];
      if (insn.base >= 0) terms.push(this.reg(2 * insn.base));
      if (insn.index >= 0) terms.push(`${this.reg(2 * insn.index)} * ${insn.scale}`);
      this.setReg(d, `(${terms.join(' + ')}) >>> 0`);
      this.setReg(d + 1, '0');
      return;
    }
    if (insn.base === Reg.RIP) {
      const v = p.next + insn.disp;
      this.setReg(d, `${v >>> 0}`);
      this.setReg(d + 1, wide ? `${Math.floor(v / 4294967296) >>> 0}` : '0');
      return;
    }
    const terms = [`${insn.disp}`];
    const hiTerms = ['0'];
    if (insn.base >= 0) {
      terms.push(this.reg(2 * insn.base));
      hiTerms.push(this.reg(2 * insn.base + 1));
    }
    if (insn.index >= 0) {
      terms.push(`${this.reg(2 * insn.index)} * ${insn.scale}`);
      hiTerms.push(`Math.imul(${this.reg(2 * insn.index + 1)}, ${insn.scale})`);
    }
    if (!wide) {
      this.setReg(d, `(${terms.join(' + ')}) >>> 0`);
      this.setReg(d + 1, '0');
      return;
    }
    // The low sum carries into the high half only outside 0..2^32-1 (a way V8 then rarely needs).
    const hi = hiTerms.join(' + ');
    this.emit(`{ const l = ${terms.join(' + ')};`);
    this.emit(`if (l >= 0 && l <= 4294967295) { ${this.reg(d + 1)} = (${hi}) >>> 0; ${this.reg(d)} = l >>> 0; }`);
    this.emit(
      `else { const c = Math.floor(l / 4294967296); ${this.reg(d + 1)} = (${hi} + c) >>> 0; ${this.reg(d)} = (l - c * 4294967296) >>> 0; } }`,
    );
    this.markDirty(d);
    this.markDirty(d + 1);
  }

  /** SHL/SHR/SAR by a constant or CL: the result inline; observed flags pending (exec/alu/shift.ts's shift() computes
   *  them from the operand and the count). */
  private shift(p: Planned): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const wide = insn.osize === 8;
    const op = insn.op;
    const byCl = p.s === 1;
    const c = shiftCount(insn);
    if (!byCl && c === 0) {
      // Nothing shifts and no flag changes, but a 32-bit destination is still written (zero-extended).
      if (!wide) this.setReg(d + 1, '0');
      return;
    }
    const lo = this.reg(d);
    const hi = wide ? this.reg(d + 1) : '0';
    if (p.liveFlags !== 0) {
      const count = byCl ? `${this.reg(2)} & 0xff` : `${c}`;
      this.setPending(op, insn.osize, [lo, hi], [count, '0'], '', byCl);
    }
    if (byCl && !wide) {
      // JS shifts take the count mod 32, the masked x86 count of a 32-bit shift; a masked 0 changes nothing
      // but the destination's upper half (zeroed).
      const n = `(${this.reg(2)} & 31)`;
      this.setReg(
        d,
        op === Op.SHL ? `(${lo} << ${n}) >>> 0` : op === Op.SHR ? `${lo} >>> ${n}` : `(${lo} >> ${n}) >>> 0`,
      );
      this.setReg(d + 1, '0');
    } else if (byCl) {
      // 64-bit by CL: counts of 32 and more move whole halves (JS shifts are mod 32).
      const top = op === Op.SAR ? '>>' : '>>>';
      const small =
        op === Op.SHL
          ? `nh = ((${hi} << c) | (${lo} >>> (32 - c))) >>> 0; nl = (${lo} << c) >>> 0;`
          : `nl = ((${lo} >>> c) | (${hi} << (32 - c))) >>> 0; nh = (${hi} ${top} c) >>> 0;`;
      const large =
        op === Op.SHL
          ? `nh = (${lo} << (c - 32)) >>> 0; nl = 0;`
          : `nl = (${hi} ${top} (c - 32)) >>> 0; nh = ${op === Op.SAR ? `(${hi} >> 31) >>> 0` : '0'};`;
      this.emit(`{ const c = ${this.reg(2)} & 63; if (c !== 0) { let nl = 0, nh = 0;`);
      this.emit(`if (c < 32) { ${small} } else { ${large} } ${lo} = nl; ${hi} = nh; } }`);
      this.markDirty(d);
      this.markDirty(d + 1);
    } else if (!wide) {
      this.setReg(
        d,
        op === Op.SHL ? `(${lo} << ${c}) >>> 0` : op === Op.SHR ? `${lo} >>> ${c}` : `(${lo} >> ${c}) >>> 0`,
      );
      this.setReg(d + 1, '0');
    } else {
      let nlo: string;
      let nhi: string;
      if (op === Op.SHL) {
        nlo = c < 32 ? `(${lo} << ${c}) >>> 0` : '0';
        nhi = c < 32 ? `((${hi} << ${c}) | (${lo} >>> ${32 - c})) >>> 0` : `(${lo} << ${c - 32}) >>> 0`;
      } else {
        const top = op === Op.SHR ? '>>>' : '>>';
        nlo = c < 32 ? `((${lo} >>> ${c}) | (${hi} << ${32 - c})) >>> 0` : `(${hi} ${top} ${c - 32}) >>> 0`;
        nhi = c < 32 ? `(${hi} ${top} ${c}) >>> 0` : op === Op.SHR ? '0' : `(${hi} >> 31) >>> 0`;
      }
      this.emit(`{ const nl = ${nlo}, nh = ${nhi}; ${lo} = nl; ${hi} = nh; }`);
      this.markDirty(d);
      this.markDirty(d + 1);
    }
    if (p.liveFlags !== 0) this.emit(`p4 = ${lo}; p5 = ${wide ? hi : '0'};`);
  }

  /** IMUL r, r/m (0F AF) and IMUL r, r/m, imm with a register source: imul2() when its flags are observed,
   *  else the truncated product alone (low 64 bits from 32-bit halves: exact, no BigInt). */
  private imul(p: Planned): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const s = 2 * p.s;
    const wide = insn.osize === 8;
    const three = insn.op === Op.IMUL3;
    const aLo = this.reg(three ? s : d);
    const aHi = wide ? this.reg(three ? s + 1 : d + 1) : '0';
    const bLo = three ? `${insn.imm >>> 0}` : this.reg(s);
    const bHi = !wide ? '0' : three ? `${insn.immHi >>> 0}` : this.reg(s + 1);
    if (p.liveFlags !== 0) this.setPending(insn.op, insn.osize, [aLo, aHi], [bLo, bHi], '');
    if (!wide) {
      this.setReg(d, `Math.imul(${aLo}, ${bLo}) >>> 0`);
      this.setReg(d + 1, '0');
      return;
    }
    this.emit(`{ const nh = (mulHi32(${aLo}, ${bLo}) + Math.imul(${aLo}, ${bHi}) + Math.imul(${aHi}, ${bLo})) >>> 0;`);
    this.emit(`${this.reg(d)} = Math.imul(${aLo}, ${bLo}) >>> 0; ${this.reg(d + 1)} = nh; }`);
    this.markDirty(d);
    this.markDirty(d + 1);
  }

  /** MOV m8, r8 / imm8 (88, C6): a fault point, then the store. */
  private store8(p: Planned, k: number): void {
    const insn = p.insn;
    this.accessPoint(p, k);
    this.emit('{');
    const la = this.linear(p, 1, true);
    const v = p.s < 0 ? `${insn.imm & 0xff}` : this.byteReg(insn, p.s);
    this.store(p, k, la, 1, v, '0');
    this.emit('}');
  }

  /** Opens a `{` scope with `la` = RSP as a linear address, after linear()'s #SS(0) canonical check. */
  private stackTop(): void {
    this.emit(`{ const la = ${address64(this.reg(9), this.reg(8))};`);
    this.canon = canonical('a', Vector.SS);
  }

  /** RSP + delta (±8) as uint32 halves in the locals sl/sh (the borrow or carry from an unsigned comparison,
   *  so V8 keeps it in 32-bit integers). */
  private stackSlot(delta: number): void {
    const lo = this.reg(8);
    const hi = this.reg(9);
    const d = Math.abs(delta);
    if (delta < 0) this.emit(`const sl = (${lo} - ${d}) >>> 0, sh = ${lo} < ${d} ? (${hi} - 1) >>> 0 : ${hi};`);
    else this.emit(`const sl = (${lo} + ${d}) >>> 0, sh = sl < ${d} ? (${hi} + 1) >>> 0 : ${hi};`);
  }

  /** PUSH (and CALL's push): the value is taken before RSP moves; RSP changes only once the write succeeded. */
  private push(p: Planned, k: number, lo: string, hi: string): void {
    this.accessPoint(p, k);
    this.emit(`{ const v0 = ${lo}, v1 = ${hi};`);
    this.stackSlot(-8);
    this.emit(`const la = ${address64('sh', 'sl')};`);
    this.canon = canonical('a', Vector.SS);
    // RSP moves once the write succeeded.
    const moved = `${this.reg(8)} = sl; ${this.reg(9)} = sh;`;
    this.markDirty(8);
    this.markDirty(9);
    this.store(p, k, 'la', 8, 'v0', 'v1', moved);
    this.emit('}');
  }

  /** POP r64: read at RSP, then RSP += 8 and the register (RSP itself is not handled here). */
  private pop(p: Planned, k: number): void {
    this.accessPoint(p, k);
    const d = 2 * p.d;
    this.stackTop();
    this.emit('let v0 = 0, v1 = 0;');
    this.load(k, 'la', 8, 'v0', 'v1');
    this.stackSlot(8);
    this.emit(`${this.reg(8)} = sl; ${this.reg(9)} = sh; ${this.reg(d)} = v0; ${this.reg(d + 1)} = v1; }`);
    for (const h of [8, 9, d, d + 1]) this.markDirty(h);
    this.trapCheck(p);
  }

  /** RET: pop the return address; "#GP(0) if the return instruction pointer is non-canonical" (before RSP
   *  moves); the region is left there. */
  private ret(p: Planned, k: number): void {
    this.accessPoint(p, k);
    this.stackTop();
    this.emit('let v0 = 0, v1 = 0;');
    this.load(k, 'la', 8, 'v0', 'v1');
    this.emit(`const rt = ${address64('v1', 'v0')};`);
    this.emit(canonical('rt', Vector.GP));
    this.stackSlot(8);
    this.emit(`${this.reg(8)} = sl; ${this.reg(9)} = sh;`);
    this.markDirty(8);
    this.markDirty(9);
    this.emit(`${this.exitCode(p, 'rt')} }`);
  }

  /** MOVZX r, r/m8 or r/m16 (0F B6 / 0F B7): the memory form is a fault point. */
  private movzx(p: Planned, k: number): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const byte = insn.opcode === 0xb6;
    if (p.s >= 0) {
      this.setReg(d, byte ? this.byteReg(insn, p.s) : `${this.reg(2 * p.s)} & 0xffff`);
      this.setReg(d + 1, '0');
      return;
    }
    this.accessPoint(p, k);
    this.emit('{');
    const la = this.linear(p, byte ? 1 : 2, false);
    this.load(k, la, byte ? 1 : 2, this.reg(d));
    this.markDirty(d);
    this.setReg(d + 1, '0');
    this.emit('}');
    this.trapCheck(p);
  }

  /** The JS value of byte register r. */
  private byteReg(insn: Insn, r: number): string {
    return highByte(insn, r) ? `((${this.reg(2 * (r - 4))} >>> 8) & 0xff)` : `(${this.reg(2 * r)} & 0xff)`;
  }

  /** MOVSX r, r/m8|16 (0F BE/BF) and MOVSXD r64, r/m32 (63 with REX.W): the source sign-extended to the
   *  operand size (exec/mov.ts movsx/movsxd); a 32-bit destination's upper half is zeroed. */
  private movsx(p: Planned, k: number): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const from = insn.op === Op.MOVSXD ? 4 : (insn.opcode & 1) === 0 ? 1 : 2;
    const ext = (v: string) =>
      from === 1 ? `((${v} << 24) >> 24)` : from === 2 ? `((${v} << 16) >> 16)` : `(${v} | 0)`;
    const hi = insn.osize === 8 ? '(x < 0 ? 4294967295 : 0)' : '0';
    let src = 't';
    if (p.s >= 0) {
      src = from === 1 ? this.byteReg(insn, p.s) : this.reg(2 * p.s);
      this.emit('{');
    } else {
      this.accessPoint(p, k);
      this.emit('{ let t = 0;');
      this.load(k, this.linear(p, from, false), from, 't');
    }
    this.emit(`const x = ${ext(src)}; ${this.reg(d)} = x >>> 0; ${this.reg(d + 1)} = ${hi}; }`);
    this.markDirty(d);
    this.markDirty(d + 1);
    if (p.s < 0) this.trapCheck(p);
  }

  /** The condition of SETcc/CMOVcc, read off pending flags where possible. */
  private condition(p: Planned): string {
    const cc = p.insn.opcode & 0xf;
    return this.pendingCond(cc) ?? condExpr(cc, this.flags());
  }

  /** SETcc r8: 1 or 0 into the byte register, the rest of the register kept. */
  private setcc(p: Planned): void {
    const insn = p.insn;
    const c = this.condition(p);
    const r = p.d;
    if (highByte(insn, r)) {
      const h = 2 * (r - 4);
      this.setReg(h, `((${this.reg(h)} & 0xffff00ff) | ((${c}) ? 0x100 : 0)) >>> 0`);
    } else this.setReg(2 * r, `((${this.reg(2 * r)} & 0xffffff00) | ((${c}) ? 1 : 0)) >>> 0`);
  }

  /** CMOVcc r, r: the source when the condition holds; a 32-bit destination is zero-extended either way. */
  private cmov(p: Planned): void {
    const d = 2 * p.d;
    const s = 2 * p.s;
    const c = this.condition(p);
    const [dl, dh, sl, sh] = [this.reg(d), this.reg(d + 1), this.reg(s), this.reg(s + 1)];
    if (p.insn.osize === 8) this.emit(`if (${c}) { ${dl} = ${sl}; ${dh} = ${sh}; }`);
    else this.emit(`if (${c}) ${dl} = ${sl}; ${dh} = 0;`);
    this.markDirty(d);
    this.markDirty(d + 1);
  }

  /** MOV r, m / MOV m, r at 32/64 bits through the CPU's TLB fast path (read32/read64, write32/write64). */
  private memory(p: Planned, k: number): void {
    const insn = p.insn;
    const size = insn.osize;
    const wide = size === 8;
    const write = p.kind === Kind.Store;
    const d = 2 * p.d;
    this.accessPoint(p, k);
    this.emit('{');
    const la = this.linear(p, size, write);
    if (write) {
      const lo = p.s >= 0 ? this.reg(2 * p.s) : `${insn.imm >>> 0}`;
      const hi = p.s >= 0 ? this.reg(2 * p.s + 1) : `${insn.immHi >>> 0}`;
      this.store(p, k, la, size, lo, hi);
    } else {
      if (wide) {
        this.load(k, la, 8, this.reg(d), this.reg(d + 1));
        this.markDirty(d);
        this.markDirty(d + 1);
      } else {
        this.load(k, la, 4, this.reg(d));
        this.markDirty(d);
        this.setReg(d + 1, '0');
      }
      this.trapCheck(p);
    }
    this.emit('}');
  }

  /** An expression (after emitted setup) for the linear address of p's memory operand. */
  private linear(p: Planned, size: number, write: boolean): string {
    const insn = p.insn;
    const k = this.planned.indexOf(p);
    if (!this.long64 && insn.asize === 4) {
      // effAddr() at 32 bits from the locals, then linear()'s segment checks and base (it reads no register).
      const terms = [`${insn.disp}`];
      if (insn.base >= 0) terms.push(this.reg(2 * insn.base));
      if (insn.index >= 0) terms.push(`${this.reg(2 * insn.index)} * ${insn.scale}`);
      return `cpu.linear(${memSeg(insn)}, (${terms.join(' + ')}) >>> 0, ${size}, ${write})`;
    }
    if (!this.long64 || insn.asize !== 8) return `memLinear(cpu, I[${k}], ${size}, ${write})`;
    const seg = insn.seg >= 0 ? insn.seg : -1;
    const segBase = seg === SegReg.FS || seg === SegReg.GS ? ` + cpu.segBase[${seg}]` : '';
    if (insn.base === Reg.RIP) {
      const la = p.next + insn.disp;
      if (segBase === '' && la >= -CANON && la < CANON) return `${la}`;
      // effAddr() of a RIP-relative operand needs nextRip (and no register).
      return `(cpu.nextRip = ${p.next}, memLinear(cpu, I[${k}], ${size}, ${write}))`;
    }
    // effAddr()'s exact 64-bit sum in halves, then the canonical check linear() makes.
    const terms = [`${insn.disp}`];
    const hiTerms = ['0'];
    if (insn.base >= 0) {
      terms.push(this.reg(2 * insn.base));
      hiTerms.push(`(${this.reg(2 * insn.base + 1)} | 0)`);
    }
    if (insn.index >= 0) {
      terms.push(`${this.reg(2 * insn.index)} * ${insn.scale}`);
      hiTerms.push(`(${this.reg(2 * insn.index + 1)} | 0) * ${insn.scale}`);
    }
    // The high halves' sum wrapped to int32 times 2^32 plus the low terms' sum (|low| < 2^36) is the address
    // exactly wherever it is canonical; where the 64-bit sum wraps around it is far from canonical either way.
    const low = `${terms.join(' + ')}${segBase}`;
    this.emit(`const la = ${hiTerms.length === 1 ? low : address64(`(${hiTerms.slice(1).join(' + ')})`, low)};`);
    // linear(): a non-canonical address is #SS(0) for a stack-segment operand, else #GP(0) (checked where the
    // access does not hit the page its site remembers).
    const vector = memSeg(insn) === SegReg.SS ? Vector.SS : Vector.GP;
    this.canon = canonical('a', vector);
    return 'la';
  }

  /** Jcc/JMP rel, the last of its basic block: each way goes on in the region or leaves it. */
  private branch(p: Planned, k: number): void {
    const insn = p.insn;
    const t = maskRip(p.next + insn.imm, insn.osize);
    this.reloadAll();
    const cc = insn.opcode & 0xf;
    const cond = p.kind === Kind.Jmp ? 'true' : (this.pendingCond(cc) ?? condExpr(cc, this.flags()));
    // Outside 64-bit mode a taken target is checked against the CS limit: it may #GP at this instruction
    // (the catch then stores the state, as for an access).
    let check = '';
    if (!this.long64) {
      this.faultPoint(p, k);
      check = `${this.out.pop()!} checkTarget(cpu, ${t});`;
    }
    const taken = p.taken >= 0 ? this.edgeCode(p, k, p.taken, p.kind === Kind.Jmp) : this.exitCode(p, `${t}`);
    if (p.kind === Kind.Jmp) {
      this.emit(`${check} ${taken}`);
      return;
    }
    this.emit(`if (${cond}) { ${check} ${taken} }`);
    if (this.selfLoop >= 0) this.emit('break; }');
    this.emit(p.fall >= 0 ? this.edgeCode(p, k, p.fall, true) : this.exitCode(p, `${p.next}`));
  }
}
