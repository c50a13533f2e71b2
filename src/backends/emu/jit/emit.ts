// The JavaScript of a compiled block (see compile.ts for what it guarantees): locals for guest registers
// and RFLAGS, lazy flags, deferred state for faults, loops, exits.
import { Vector } from '../../../x86/vectors.js';
import { memSeg } from '../cpu/operands.js';
import { Reg, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { AF, CF, OF } from '../exec/alu.js';
import { CANON, ENDS_BLOCK, Kind, maskRip, type Planned, type Segment, shiftCount, writesMemory } from './plan.js';

/** A block that loops on itself runs at most this many instructions per call (the kick check's interval). */
const LOOP_INSNS = 2048;

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

/** `true` when RAM (v: DataView, m: Uint8Array) no longer holds `len` bytes at `off` as they are now. */
function bytesCheck(ram: Uint8Array, off: number, len: number): string {
  const parts: string[] = [];
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const w = ram[off + k]! | (ram[off + k + 1]! << 8) | (ram[off + k + 2]! << 16) | (ram[off + k + 3]! << 24);
    parts.push(`v.getInt32(${off + k}, true) !== ${w}`);
  }
  for (; k < len; k++) parts.push(`m[${off + k}] !== ${ram[off + k]}`);
  return parts.length === 0 ? 'false' : parts.join(' || ');
}

/**
 * Writes a block's JavaScript. Guest registers (uint32 halves) and RFLAGS live in JS locals between the
 * points where the interpreter's state must be exact: before a handler call or a memory access (which may
 * fault or exit) and on every way out, the changed ones are stored back; after a handler call they are
 * loaded again, since it may have changed any of them.
 */
export class Emitter {
  private readonly out: string[] = [];
  /** Register halves (index into cpu.regs) held in locals, and those changed since they were loaded. */
  private readonly loaded = new Set<number>();
  private readonly dirty = new Set<number>();
  private readonly used = new Set<number>();
  private flagsLoaded = false;
  private flagsDirty = false;
  /**
   * Lazy flags: the last flag-writing ALU op whose flags have not been computed yet. Its operands are in
   * locals p0..p3 and its result in p4/p5; `compute` is the ALU call that yields RFLAGS from them (and f).
   * Conditions a Jcc can read off operands or result skip the computation; anything else computes it.
   */
  private pending: { op: number; size: number; compute: string } | undefined;
  /** Every half (and whether RFLAGS) this emission ever changed. */
  private readonly everDirty = new Set<number>();
  private flagsEverDirty = false;
  /** A block without handler calls keeps every local across its loop's turns (nothing else invalidates them). */
  private readonly pure: boolean;
  /** Inline stores: one may rewrite the block's own earlier code, so a loop checks its bytes every turn. */
  private readonly stores: boolean;
  /** The exit code of each point where an inline access may throw (pc = its index): the state to store. */
  private readonly deopt: string[] = [];

  constructor(
    private readonly planned: Planned[],
    private readonly ram: Uint8Array,
    private readonly segs: Segment[],
    private readonly startRip: number,
    private readonly loops: boolean,
    /** Flags the loop's start needs from a back edge (0: the next turn overwrites them before any use). */
    private readonly backEdgeLive: number,
    private readonly long64: boolean,
  ) {
    this.pure = planned.every((p) => p.kind !== Kind.Call);
    this.stores = planned.some(
      (p) => p.kind === Kind.Store || p.kind === Kind.Store8 || p.kind === Kind.Push || p.kind === Kind.CallRel,
    );
  }

  /** The body's code with the current locals state; also what it uses and changes (for a dry run). */
  private body(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.planned.length; k++) {
      this.instruction(this.planned[k]!, k);
      out.push(...this.take());
    }
    return out;
  }

  source(): string {
    const n = this.planned.length;
    const loopsPure = this.loops && this.pure;
    if (loopsPure) {
      // A loop that keeps its locals across turns loads all it uses before the first turn, and every way out
      // stores all it may have changed in any earlier turn (a dry run of the body finds both sets).
      const dry = new Emitter(
        this.planned,
        this.ram,
        this.segs,
        this.startRip,
        this.loops,
        this.backEdgeLive,
        this.long64,
      );
      dry.body();
      for (const h of dry.used) this.reg(h);
      this.flags();
      for (const h of dry.everDirty) this.dirty.add(h);
      this.flagsDirty = dry.flagsEverDirty;
    }
    const preload = this.take();
    const body = this.body();
    const locals = [...this.used].map((h) => `g${h} = 0`);
    const head = [
      `const stale = (v, m) => ${this.segs.map((g) => bytesCheck(this.ram, g.start, g.end - g.start)).join(' || ')};`,
      'return function block(cpu) {',
      'const r = cpu.regs, v = cpu.ramView, m = cpu.ram;',
      `let base = cpu.retired, f = 0, pc = -1, p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0${locals.length > 0 ? `, ${locals.join(', ')}` : ''};`,
      'if (stale(v, m)) return -1;',
      ...preload,
      'try {',
    ];
    if (this.loops) {
      head.push(`for (let turn = ${Math.max(1, Math.floor(LOOP_INSNS / n))}; ; ) {`);
      body.push('}');
    }
    // An inline access that faults or exits (MMIO read) leaves the state the interpreter would have.
    const cases = this.deopt.map((c, k) => (c === undefined ? '' : `case ${k}: ${c} break;`)).join(' ');
    body.push(`} catch (e) { switch (pc) { ${cases} } throw e; }`);
    return [...head, ...body, '};'].join('\n');
  }

  private take(): string[] {
    return this.out.splice(0, this.out.length);
  }

  private emit(line: string): void {
    this.out.push(line);
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
  }

  /** `f` holding the exact RFLAGS (computing pending flags first). */
  private flags(): string {
    this.loadFlags();
    if (this.pending !== undefined) {
      this.emit(`f = ${this.pending.compute};`);
      this.pending = undefined;
    }
    return 'f';
  }

  private loadFlags(): void {
    if (!this.flagsLoaded) {
      this.emit('f = cpu.rflags;');
      this.flagsLoaded = true;
    }
  }

  private setFlags(value: string): void {
    this.emit(`f = ${value};`);
    this.pending = undefined;
    this.flagsLoaded = true;
    this.flagsDirty = true;
    this.flagsEverDirty = true;
  }

  /**
   * A flag writer whose flags are observed: operands to p0..p3, result to p4/p5 (`result` emits it from
   * them), flags left pending. INC/DEC keep CF from the flags before: those are computed first.
   */
  private setPending(op: number, size: number, a: [string, string], b: [string, string], result: string): void {
    if (op === Op.INC || op === Op.DEC) this.flags();
    else this.loadFlags();
    this.emit(`p0 = ${a[0]}; p1 = ${a[1]}; p2 = ${b[0]}; p3 = ${b[1]};`);
    this.emit(result);
    const fn =
      op === Op.ADD
        ? 'add'
        : op === Op.SUB || op === Op.CMP
          ? 'sub'
          : op === Op.INC
            ? 'inc'
            : op === Op.DEC
              ? 'dec'
              : op === Op.XOR
                ? 'xor'
                : op === Op.OR
                  ? 'or'
                  : 'and';
    const args =
      op === Op.INC || op === Op.DEC
        ? `${size}, p0, p1, f`
        : op === Op.ADD || op === Op.SUB || op === Op.CMP
          ? `${size}, p0, p1, p2, p3, 0, f`
          : `${size}, p0, p1, p2, p3, f`;
    this.pending = { op, size, compute: `${fn}(${args})` };
    this.flagsLoaded = true;
    this.flagsDirty = true;
    this.flagsEverDirty = true;
  }

  /** Jcc condition `cc` read off the pending op's operands/result, or undefined when it needs the flags. */
  private pendingCond(cc: number): string | undefined {
    const pd = this.pending;
    if (pd === undefined) return undefined;
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

  /** The store-back of changed register locals, as one string. */
  private flushRegsCode(): string {
    return [...this.dirty].map((h) => `r[${h}] = g${h};`).join(' ');
  }

  /** The store-back of changed locals (kept loaded), pending flags computed, as one string. */
  private flushCode(): string {
    const parts: string[] = [this.flushRegsCode()];
    if (this.pending !== undefined) parts.push(`f = ${this.pending.compute};`);
    if (this.flagsDirty) parts.push('cpu.rflags = f;');
    return parts.join(' ');
  }

  private flush(): void {
    if (this.pending !== undefined) this.flags();
    const c = this.flushCode();
    if (c !== '') this.emit(c);
    this.dirty.clear();
    this.flagsDirty = false;
  }

  /** Forget the locals (a handler may have changed any register or RFLAGS). */
  private invalidate(): void {
    this.loaded.clear();
    this.flagsLoaded = false;
  }

  /** `true` when a store changed code of the block after p: the rest of p's run of bytes and the later runs. */
  private restCheck(p: Planned): string {
    const g = this.segs[p.seg]!;
    const from = p.off + p.insn.len;
    const later = this.segs.slice(p.seg + 1).map((x) => bytesCheck(this.ram, x.start, x.end - x.start));
    return [bytesCheck(this.ram, from, g.end - from), ...later].join(' || ');
  }

  /** Code that leaves the block: state stored, rip and retired as after instruction k, return 0. */
  private exitCode(k: number, rip: string): string {
    return `${this.flushCode()} cpu.rip = ${rip}; cpu.retired = base + ${k + 1}; return 0;`;
  }

  /** The interpreter's view before instruction k may fault: state stored, rip/startRip/retired at k. */
  private sync(p: Planned, k: number): void {
    this.flush();
    this.emit(`pc = -1; cpu.rip = cpu.startRip = ${p.rip}; cpu.retired = base + ${k};`);
  }

  /** Before an inline memory access: deferred where the address comes from the locals (64-bit addressing in
   *  64-bit mode, 32-bit addressing elsewhere), else the full sync (memLinear() reads the registers). */
  private accessPoint(p: Planned, k: number): void {
    if ((this.long64 && p.insn.asize === 8) || (!this.long64 && p.insn.asize === 4)) this.faultPoint(p, k);
    else this.sync(p, k);
  }

  /** Before an inline memory access of instruction k: nothing is stored unless it throws (then the catch
   *  stores what sync() would have, see source()). */
  private faultPoint(p: Planned, k: number): void {
    this.emit(`pc = ${k};`);
    this.deopt[k] = `${this.flushCode()} cpu.rip = cpu.startRip = ${p.rip}; cpu.retired = base + ${k};`;
  }

  private instruction(p: Planned, k: number): void {
    const n = this.planned.length;
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
        const t = p.next + p.insn.imm;
        if (!p.follow) this.emit(this.exitCode(k, `${t}`));
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
      default: {
        this.sync(p, k);
        this.emit(`cpu.nextRip = ${p.next};`);
        this.emit(`F[${k}](cpu, I[${k}]);`);
        this.invalidate();
        if (ENDS_BLOCK[insn.op] === 1 || k === n - 1) {
          this.emit(`cpu.rip = cpu.nextRip; cpu.retired = base + ${k + 1}; return 0;`);
          return;
        }
        // An MMIO write or a data breakpoint ends the block after the instruction; so does a store into the
        // rest of the block.
        const rest = writesMemory(insn) ? ` || ${this.restCheck(p)}` : '';
        this.emit(
          `if (cpu.exitKind !== 0 || cpu.trapPending${rest}) { cpu.rip = ${p.next}; cpu.retired = base + ${k + 1}; return 0; }`,
        );
        return;
      }
    }
    if (k === n - 1) this.emit(this.exitCode(k, `${p.next}`));
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
      let result: string;
      if (!wide) result = `p4 = (p0 ${o} p2) >>> 0; p5 = 0;`;
      else if (op === Op.ADD)
        result = '{ const l = p0 + p2; p4 = l >>> 0; p5 = (p1 + p3 + (l > 4294967295 ? 1 : 0)) >>> 0; }';
      else if (op === Op.SUB || op === Op.CMP)
        result = '{ const l = p0 - p2; p4 = l >>> 0; p5 = (p1 - p3 - (l < 0 ? 1 : 0)) >>> 0; }';
      else result = `p4 = (p0 ${o} p2) >>> 0; p5 = (p1 ${o} p3) >>> 0;`;
      this.setPending(op, size, [aLo, aHi], [bLo, bHi], result);
      if (store) {
        this.setReg(d, 'p4');
        this.setReg(d + 1, 'p5');
      }
      return;
    }
    if (p.liveFlags !== 0 || op === Op.ADC || op === Op.SBB) {
      // Logic ops clear CF, OF and AF (alu-logic.ts): when only those are observed, that is all there is to do.
      if (logic && (p.liveFlags & ~(CF | OF | AF)) === 0) this.setFlags(`${this.flags()} & ${~p.liveFlags}`);
      else {
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
      this.emit(`{ const l = ${aLo} ${o} ${bLo};`);
      const carry = op === Op.ADD ? '(l > 4294967295 ? 1 : 0)' : '(l < 0 ? 1 : 0)';
      this.emit(`${this.reg(d + 1)} = (${aHi} ${o} ${bHi} ${o} ${carry}) >>> 0; ${this.reg(d)} = l >>> 0; }`);
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
    if (p.liveFlags !== 0 && (op === Op.INC || op === Op.DEC)) {
      const o = op === Op.INC ? '+' : '-';
      const result = !wide
        ? `p4 = (p0 ${o} 1) >>> 0; p5 = 0;`
        : op === Op.INC
          ? 'p4 = (p0 + 1) >>> 0; p5 = (p1 + (p0 === 4294967295 ? 1 : 0)) >>> 0;'
          : 'p4 = (p0 - 1) >>> 0; p5 = (p1 - (p0 === 0 ? 1 : 0)) >>> 0;';
      this.setPending(op, size, [lo, hi], ['1', '0'], result);
      this.setReg(d, 'p4');
      this.setReg(d + 1, 'p5');
      return;
    }
    if (p.liveFlags !== 0) {
      const fn = op === Op.INC ? 'inc' : op === Op.DEC ? 'dec' : 'neg';
      this.setFlags(`${fn}(${size}, ${lo}, ${hi}, ${this.flags()})`);
      this.setReg(d, 'aluOut.lo');
      this.setReg(d + 1, 'aluOut.hi');
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
    this.emit(
      wide ? `const t = cpu.read64(${la}, cpu.needR), th = cpu.hi;` : `const t = cpu.read32(${la}, cpu.needR), th = 0;`,
    );
    const other = p.s >= 0 ? this.reg(2 * p.s) : `${insn.imm >>> 0}`;
    const otherHi = !wide ? '0' : p.s >= 0 ? this.reg(2 * p.s + 1) : `${insn.immHi >>> 0}`;
    if (p.d < 0) this.binary(p, -1, 't', 'th', other, otherHi);
    else this.binary(p, 2 * p.d, this.reg(2 * p.d), wide ? this.reg(2 * p.d + 1) : '0', 't', 'th');
    this.emit('}');
    this.emit(`if (cpu.trapPending) { ${this.exitCode(k, `${p.next}`)} }`);
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
    this.emit(`{ const l = ${terms.join(' + ')}; const c = Math.floor(l / 4294967296);`);
    this.emit(
      `${this.reg(d + 1)} = (${hiTerms.join(' + ')} + c) >>> 0; ${this.reg(d)} = (l - c * 4294967296) >>> 0; }`,
    );
    this.markDirty(d);
    this.markDirty(d + 1);
  }

  /** SHL/SHR/SAR by a constant: alu-shift.ts's shift() when its flags are observed, else the result alone. */
  private shift(p: Planned): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const wide = insn.osize === 8;
    if (p.s === 1) {
      // By CL, known only at run time: shift() masks it; a masked 0 changes nothing but a 32-bit destination's
      // upper half (zeroed).
      if (p.liveFlags === 0 && !wide) {
        // The result alone: JS shifts take the count mod 32, the masked x86 count of a 32-bit shift.
        const lo = this.reg(d);
        const c = `(${this.reg(2)} & 31)`;
        const op = insn.op;
        this.setReg(
          d,
          op === Op.SHL ? `(${lo} << ${c}) >>> 0` : op === Op.SHR ? `${lo} >>> ${c}` : `(${lo} >> ${c}) >>> 0`,
        );
        this.setReg(d + 1, '0');
        return;
      }
      if (p.liveFlags === 0) {
        // 64-bit by CL, the result alone: counts of 32 and more move whole halves (JS shifts are mod 32).
        const lo = this.reg(d);
        const hi = this.reg(d + 1);
        const op = insn.op;
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
        return;
      }
      const call = `shift(${insn.op}, ${insn.osize}, ${this.reg(d)}, ${wide ? this.reg(d + 1) : '0'}, ${this.reg(2)} & 0xff, ${this.flags()})`;
      if (p.liveFlags !== 0) this.setFlags(call);
      else this.emit(`${call};`);
      this.setReg(d, 'aluOut.lo');
      this.setReg(d + 1, 'aluOut.hi');
      return;
    }
    const c = shiftCount(insn);
    if (c === 0) {
      // Nothing shifts and no flag changes, but a 32-bit destination is still written (zero-extended).
      if (!wide) this.setReg(d + 1, '0');
      return;
    }
    const lo = this.reg(d);
    const hi = wide ? this.reg(d + 1) : '0';
    const op = insn.op;
    if (p.liveFlags !== 0) {
      this.setFlags(`shift(${op}, ${insn.osize}, ${lo}, ${hi}, ${c}, ${this.flags()})`);
      this.setReg(d, 'aluOut.lo');
      this.setReg(d + 1, 'aluOut.hi');
      return;
    }
    if (!wide) {
      this.setReg(
        d,
        op === Op.SHL ? `(${lo} << ${c}) >>> 0` : op === Op.SHR ? `${lo} >>> ${c}` : `(${lo} >> ${c}) >>> 0`,
      );
      this.setReg(d + 1, '0');
      return;
    }
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
    if (p.liveFlags !== 0) {
      this.setFlags(`imul2(${insn.osize}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${this.flags()})`);
      this.setReg(d, 'aluOut.lo');
      this.setReg(d + 1, 'aluOut.hi');
      return;
    }
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

  /** MOV m8, r8 / imm8 (88, C6): a fault point, and a store into the block ends it. */
  private store8(p: Planned, k: number): void {
    const insn = p.insn;
    this.accessPoint(p, k);
    this.emit('{');
    const la = this.linear(p, 1, true);
    const r = p.s;
    const v =
      r < 0
        ? `${insn.imm & 0xff}`
        : insn.rex === 0 && r >= 4 && r < 8
          ? `(${this.reg(2 * (r - 4))} >>> 8) & 0xff`
          : `${this.reg(2 * r)} & 0xff`;
    this.emit(`cpu.write8(${la}, ${v}, cpu.needW);`);
    const rest = this.restCheck(p);
    this.emit(`if (cpu.exitKind !== 0 || cpu.trapPending || ${rest}) { ${this.exitCode(k, `${p.next}`)} }`);
    this.emit('}');
  }

  /** Opens a `{` scope with `la` = RSP as a linear address, after linear()'s #SS(0) canonical check. */
  private stackTop(): void {
    this.emit(`{ const la = (${this.reg(9)} | 0) * 4294967296 + ${this.reg(8)};`);
    this.emit(`if (la < ${-CANON} || la >= ${CANON}) cpu.raise(${Vector.SS}, 0);`);
  }

  /** RSP + delta (±8) as uint32 halves in the locals sl/sh. */
  private stackSlot(delta: number): void {
    const lo = this.reg(8);
    const hi = this.reg(9);
    this.emit(`let sl = ${lo} + ${delta}, sh = ${hi};`);
    this.emit(
      'if (sl < 0) { sl += 4294967296; sh = (sh - 1) >>> 0; } else if (sl > 4294967295) { sl -= 4294967296; sh = (sh + 1) >>> 0; }',
    );
  }

  /** PUSH (and CALL's push): the value is taken before RSP moves; RSP changes only once the write succeeded. */
  private push(p: Planned, k: number, lo: string, hi: string): void {
    this.accessPoint(p, k);
    this.emit(`{ const v0 = ${lo}, v1 = ${hi};`);
    this.stackSlot(-8);
    this.emit('const la = (sh | 0) * 4294967296 + sl;');
    this.emit(`if (la < ${-CANON} || la >= ${CANON}) cpu.raise(${Vector.SS}, 0);`);
    this.emit('cpu.write64(la, v0, v1, cpu.needW);');
    this.emit(`${this.reg(8)} = sl; ${this.reg(9)} = sh; }`);
    this.markDirty(8);
    this.markDirty(9);
    this.emit(
      `if (cpu.exitKind !== 0 || cpu.trapPending || ${this.restCheck(p)}) { ${this.exitCode(k, `${p.next}`)} }`,
    );
  }

  /** POP r64: read at RSP, then RSP += 8 and the register (RSP itself is not handled here). */
  private pop(p: Planned, k: number): void {
    this.accessPoint(p, k);
    const d = 2 * p.d;
    this.stackTop();
    this.emit('const v0 = cpu.read64(la, cpu.needR), v1 = cpu.hi;');
    this.stackSlot(8);
    this.emit(`${this.reg(8)} = sl; ${this.reg(9)} = sh; ${this.reg(d)} = v0; ${this.reg(d + 1)} = v1; }`);
    for (const h of [8, 9, d, d + 1]) this.markDirty(h);
    this.emit(`if (cpu.trapPending) { ${this.exitCode(k, `${p.next}`)} }`);
  }

  /** RET: pop the return address; "#GP(0) if the return instruction pointer is non-canonical" (before RSP
   *  moves); the block ends there. */
  private ret(p: Planned, k: number): void {
    this.accessPoint(p, k);
    this.stackTop();
    this.emit('const v0 = cpu.read64(la, cpu.needR), rt = (cpu.hi | 0) * 4294967296 + v0;');
    this.emit(`if (rt < ${-CANON} || rt >= ${CANON}) cpu.raise(${Vector.GP}, 0);`);
    this.stackSlot(8);
    this.emit(`${this.reg(8)} = sl; ${this.reg(9)} = sh;`);
    this.markDirty(8);
    this.markDirty(9);
    this.emit(`${this.exitCode(k, 'rt')} }`);
  }

  /** MOVZX r, r/m8 or r/m16 (0F B6 / 0F B7): the memory form is a fault point. */
  private movzx(p: Planned, k: number): void {
    const insn = p.insn;
    const d = 2 * p.d;
    const byte = insn.opcode === 0xb6;
    if (p.s >= 0) {
      const rm = p.s;
      // Without REX, byte registers 4-7 are AH, CH, DH, BH.
      const v = !byte
        ? `${this.reg(2 * rm)} & 0xffff`
        : insn.rex === 0 && rm >= 4 && rm < 8
          ? `(${this.reg(2 * (rm - 4))} >>> 8) & 0xff`
          : `${this.reg(2 * rm)} & 0xff`;
      this.setReg(d, v);
      this.setReg(d + 1, '0');
      return;
    }
    this.accessPoint(p, k);
    this.emit('{');
    const la = this.linear(p, byte ? 1 : 2, false);
    this.setReg(d, `cpu.${byte ? 'read8' : 'read16'}(${la}, cpu.needR)`);
    this.setReg(d + 1, '0');
    this.emit('}');
    this.emit(`if (cpu.trapPending) { ${this.exitCode(k, `${p.next}`)} }`);
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
      if (wide) this.emit(`cpu.write64(${la}, ${lo}, ${hi}, cpu.needW);`);
      else this.emit(`cpu.write32(${la}, ${lo}, cpu.needW);`);
      const rest = this.restCheck(p);
      this.emit(`if (cpu.exitKind !== 0 || cpu.trapPending || ${rest}) { ${this.exitCode(k, `${p.next}`)} }`);
    } else {
      if (wide) {
        this.setReg(d, `cpu.read64(${la}, cpu.needR)`);
        this.setReg(d + 1, 'cpu.hi');
      } else {
        this.setReg(d, `cpu.read32(${la}, cpu.needR)`);
        this.setReg(d + 1, '0');
      }
      this.emit(`if (cpu.trapPending) { ${this.exitCode(k, `${p.next}`)} }`);
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
    this.emit(`let la = ${terms.join(' + ')}, lh = ${hiTerms.join(' + ')};`);
    this.emit(
      '{ const c = Math.floor(la / 4294967296); la = ((lh + c) | 0) * 4294967296 + (la - c * 4294967296)' +
        `${segBase}; }`,
    );
    // linear(): a non-canonical address is #SS(0) for a stack-segment operand, else #GP(0).
    const vector = memSeg(insn) === SegReg.SS ? Vector.SS : Vector.GP;
    this.emit(`if (la < ${-CANON} || la >= ${CANON}) cpu.raise(${vector}, 0);`);
    return 'la';
  }

  /** Jcc/JMP rel: the back edge of a loop on the block's start, a side exit, or a JMP whose target follows. */
  private branch(p: Planned, k: number): void {
    const insn = p.insn;
    const last = k === this.planned.length - 1;
    const t = maskRip(p.next + insn.imm, insn.osize);
    // Outside 64-bit mode a taken target is checked against the CS limit: it may #GP at this instruction
    // (the catch then stores the state, as for an access).
    let check = '';
    if (!this.long64) {
      this.faultPoint(p, k);
      check = this.out.pop()!;
      check += ` checkTarget(cpu, ${t});`;
    }
    if (p.follow) {
      this.emit(check);
      return;
    }
    const cc = insn.opcode & 0xf;
    const cond = p.kind !== Kind.Jcc ? 'true' : (this.pendingCond(cc) ?? condExpr(cc, this.flags()));
    this.emit(`if (${cond}) {`);
    this.emit(check);
    if (this.loops && t === this.startRip) {
      this.emit(`base += ${k + 1};`);
      // The next turn starts with exact flags in f unless it overwrites them before any use.
      const carry = this.pending !== undefined && this.backEdgeLive !== 0 ? `f = ${this.pending.compute};` : '';
      const out = `${this.flushCode()} cpu.rip = ${t}; cpu.retired = base; return 0;`;
      if (this.pure) {
        const again = this.stores ? ' || stale(v, m)' : '';
        this.emit(`if (--turn === 0${again}) { ${out} }`);
        this.emit(carry);
      } else {
        // The next turn loads its locals afresh (the body was written for that).
        this.emit(`if (--turn === 0 || stale(v, m)) { ${out} }`);
        this.emit(carry);
        this.emit(this.flushRegsCode());
        if (this.backEdgeLive !== 0 && this.flagsDirty) this.emit('cpu.rflags = f;');
      }
      this.emit('continue; }');
    } else this.emit(`${this.exitCode(k, `${t}`)} }`);
    if (last) this.emit(this.exitCode(k, `${p.next}`));
  }
}
