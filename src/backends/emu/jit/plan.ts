// What a region is made of: which instructions may join one, how each is emitted (Kind), and which of their
// flags anything observes (flag liveness over the region's graph). compile.ts decodes, jit/emit/ writes.

import { conditionReads } from '../cpu/cond.js';
import { type Insn, Opnd, Reg, regOf } from '../decode/insn.js';
import { ARITH, COMPILE, Compile, ENDS_BLOCK, FLAGS_READ, FLAGS_WRITTEN, Op } from '../decode/ops.js';

/** compile.ts and jit/emit/ read it with the plan. */
export { ENDS_BLOCK };

/** The eight GRP1 operations and TEST: `op r, r|imm|m` with one pure ALU function each. */
const BINARY = new Uint8Array(256);
for (const op of [Op.ADD, Op.OR, Op.ADC, Op.SBB, Op.AND, Op.SUB, Op.XOR, Op.CMP, Op.TEST]) BINARY[op] = 1;

/** Whether a (non-terminating) instruction may store to memory: a memory operand, moffs or an implicit push. */
export function writesMemory(insn: Insn): boolean {
  if (insn.mod >= 0 && insn.mod !== 3) return true;
  const op = insn.op;
  return insn.o1 === Opnd.Moffs || op === Op.PUSH || op === Op.PUSHF || op === Op.PUSHA || op === Op.ENTER;
}

/** Whether `insn` may be part of a region (POP into a segment register loads one: not here). */
export function blockable(insn: Insn): boolean {
  if (COMPILE[insn.op] === Compile.Never) return false;
  return !(insn.op === Op.POP && insn.o1 === Opnd.SReg);
}

/** How an instruction is emitted and what it does to the arithmetic flags. */
export enum Kind {
  /** A handler call: may fault, read or write anything. */
  Call,
  /** Inline register/immediate forms below: cannot fault. */
  Mov,
  Binary,
  Unary,
  /** Inline MOV r, m / MOV m, r|imm at 32/64 bits (may fault: synced like a call). */
  Load,
  Store,
  /** Inline LEA (cannot fault), SHL/SHR/SAR by a constant or CL, MOVZX, IMUL r, r[, imm]. */
  Lea,
  Shift,
  Movzx,
  Imul,
  /** Inline MOV m8, r8|imm8 (may fault). */
  Store8,
  /** Inline 64-bit PUSH r/imm, POP r, CALL rel and RET (may fault; CALL may be followed like JMP). */
  Push,
  Pop,
  CallRel,
  Ret,
  /** Inline ALU with a memory operand (may fault): `op r, m`, or CMP/TEST m, r|imm. */
  BinaryMem,
  /** Inline Jcc/JMP rel (ends its basic block). */
  Jcc,
  Jmp,
  /** NOP, PAUSE, fences, PREFETCH: nothing to do (a memory operand is not accessed). */
  Nop,
  /** Inline MOVSX r32/64, r/m8|16 and MOVSXD r64, r/m32 (the memory form may fault). */
  Movsx,
  /** Inline SETcc r8 and CMOVcc r, r (32/64-bit): they read the flags. */
  Setcc,
  Cmov,
}

export interface Planned {
  insn: Insn;
  /** RAM offset of its first byte. */
  off: number;
  /** Index (in the region's planned list) of the instruction control falls to after it, and of its branch
   *  target (Jcc, JMP, CALL rel); -1 where that way leaves the region. */
  fall: number;
  taken: number;
  /** Its basic block, and its position in it (0: the block's leader). */
  bb: number;
  pos: number;
  rip: number;
  next: number;
  kind: Kind;
  /** ARITH bits written / read (inline kinds only). */
  writes: number;
  reads: number;
  /** Destination / source registers (-1: immediate source). */
  d: number;
  s: number;
  /** The ARITH bits of its output that something observes (inline flag writers only). */
  liveFlags: number;
}

/** Classifies an instruction for inline emission. */
export function plan(insn: Insn, off: number, rip: number, next: number, long64: boolean): Planned {
  const p: Planned = {
    insn,
    off,
    fall: -1,
    taken: -1,
    bb: 0,
    pos: 0,
    rip,
    next,
    kind: Kind.Call,
    writes: 0,
    reads: 0,
    d: -1,
    s: -1,
    liveFlags: ARITH,
  };
  const op = insn.op;
  const size = insn.osize;
  if (COMPILE[op] === Compile.Nothing) {
    p.kind = Kind.Nop;
    return p;
  }
  if (op === Op.JCC && insn.o1 === Opnd.Rel) {
    p.kind = Kind.Jcc;
    p.reads = conditionReads(insn.opcode & 0xf);
    return p;
  }
  if (op === Op.JMP && insn.o1 === Opnd.Rel) {
    p.kind = Kind.Jmp;
    return p;
  }
  const isMem = insn.mod >= 0 && insn.mod !== 3;
  if ((op === Op.IMUL2 || (op === Op.IMUL3 && insn.o3 === Opnd.I)) && insn.mod === 3 && (size === 4 || size === 8)) {
    if (size === 8 && !long64) return p;
    p.kind = Kind.Imul;
    p.d = insn.reg;
    p.s = insn.rm;
    // CF and OF; SF, ZF, AF and PF are undefined and keep their values here (its row).
    p.writes = FLAGS_WRITTEN[op]!;
    return p;
  }
  if (long64 && size === 8) {
    if (op === Op.PUSH && (insn.o1 === Opnd.Z || insn.o1 === Opnd.I)) {
      p.kind = Kind.Push;
      p.s = insn.o1 === Opnd.Z ? insn.zreg : -1;
      return p;
    }
    // POP RSP ("increments the stack pointer before" writing it) stays with the handler.
    if (op === Op.POP && insn.o1 === Opnd.Z && insn.zreg !== Reg.RSP) {
      p.kind = Kind.Pop;
      p.d = insn.zreg;
      return p;
    }
    if (op === Op.CALL && insn.o1 === Opnd.Rel) {
      p.kind = Kind.CallRel;
      return p;
    }
    if (op === Op.RET && insn.o1 === Opnd.None) {
      p.kind = Kind.Ret;
      return p;
    }
  }
  if (op === Op.SETCC && insn.mod === 3) {
    p.kind = Kind.Setcc;
    p.d = insn.rm;
    p.reads = conditionReads(insn.opcode & 0xf);
    return p;
  }
  if (op === Op.CMOVCC && insn.mod === 3 && (size === 4 || (size === 8 && long64))) {
    p.kind = Kind.Cmov;
    p.d = insn.reg;
    p.s = insn.rm;
    p.reads = conditionReads(insn.opcode & 0xf);
    return p;
  }
  if (
    ((op === Op.MOVSX && size === 4) || ((op === Op.MOVSX || op === Op.MOVSXD) && size === 8)) &&
    (size === 4 || long64)
  ) {
    p.kind = Kind.Movsx;
    p.d = insn.reg;
    p.s = isMem ? -1 : insn.rm;
    return p;
  }
  if (op === Op.MOV && isMem && size === 1 && insn.o1 === Opnd.E && (insn.o2 === Opnd.G || insn.o2 === Opnd.I)) {
    p.kind = Kind.Store8;
    p.s = insn.o2 === Opnd.G ? insn.reg : -1;
    return p;
  }
  if ((size !== 4 && size !== 8) || insn.o3 !== Opnd.None) return p;
  if (size === 8 && !long64) return p;
  if (op === Op.LEA && insn.asize >= 4 && !(insn.asize === 4 && insn.base === Reg.RIP)) {
    p.kind = Kind.Lea;
    p.d = insn.reg;
    return p;
  }
  if ((op === Op.SHL || op === Op.SHR || op === Op.SAR) && insn.mod === 3) {
    if (insn.o2 !== Opnd.I && insn.o2 !== Opnd.One && insn.o2 !== Opnd.CL) return p;
    p.kind = Kind.Shift;
    p.d = insn.rm;
    if (insn.o2 === Opnd.CL) {
      // The count is known only at run time; a masked 0 leaves the flags alone (its row reads what it writes),
      // so the earlier ones stay live.
      p.s = 1;
      p.writes = FLAGS_WRITTEN[op]!;
      p.reads = FLAGS_READ[op]!;
    } else p.writes = shiftCount(insn) === 0 ? 0 : FLAGS_WRITTEN[op]!;
    return p;
  }
  if (op === Op.MOVZX && (insn.opcode === 0xb6 || insn.opcode === 0xb7)) {
    p.kind = Kind.Movzx;
    p.d = insn.reg;
    p.s = isMem ? -1 : insn.rm;
    return p;
  }
  if (BINARY[op] === 1 && isMem) {
    const memFirst = insn.o1 === Opnd.E;
    // `op r, m` for every op; with the memory operand first only CMP and TEST (no store back to memory).
    if (
      memFirst
        ? (op !== Op.CMP && op !== Op.TEST) || (insn.o2 !== Opnd.G && insn.o2 !== Opnd.I)
        : insn.o1 !== Opnd.G || insn.o2 !== Opnd.E
    )
      return p;
    p.kind = Kind.BinaryMem;
    p.d = memFirst ? -1 : insn.reg;
    p.s = memFirst && insn.o2 === Opnd.G ? insn.reg : -1;
    p.writes = FLAGS_WRITTEN[op]!;
    p.reads = FLAGS_READ[op]!;
    return p;
  }
  if (op === Op.MOV && isMem) {
    if (insn.o1 === Opnd.G && insn.o2 === Opnd.E) {
      p.kind = Kind.Load;
      p.d = insn.reg;
    } else if (insn.o1 === Opnd.E && (insn.o2 === Opnd.G || insn.o2 === Opnd.I)) {
      p.kind = Kind.Store;
      p.s = insn.o2 === Opnd.G ? insn.reg : -1;
    }
    return p;
  }
  if (op === Op.MOV || BINARY[op] === 1) {
    const d = regOf(insn, insn.o1);
    const s = regOf(insn, insn.o2);
    if (d < 0 || (s < 0 && insn.o2 !== Opnd.I)) return p;
    p.d = d;
    p.s = s;
    if (op === Op.MOV) {
      p.kind = Kind.Mov;
      return p;
    }
    p.kind = Kind.Binary;
    p.writes = FLAGS_WRITTEN[op]!;
    p.reads = FLAGS_READ[op]!;
    return p;
  }
  if (op === Op.INC || op === Op.DEC || op === Op.NEG || op === Op.NOT) {
    const d = regOf(insn, insn.o1);
    if (d < 0 || insn.o2 !== Opnd.None) return p;
    p.kind = Kind.Unary;
    p.d = d;
    p.writes = FLAGS_WRITTEN[op]!;
    return p;
  }
  return p;
}

/** The masked constant count of SHL/SHR/SAR by imm8 or 1. */
export function shiftCount(insn: Insn): number {
  const c = insn.o2 === Opnd.One ? 1 : insn.imm & 0xff;
  return c & (insn.osize === 8 ? 0x3f : 0x1f);
}

/** A rip value masked to the code size of `mode`/`osize` (the interpreter's nextRip and branch rules). */
export function maskRip(v: number, size: number): number {
  if (size === 8) return v;
  return size === 4 ? v >>> 0 : v & 0xffff;
}

/**
 * Flag liveness over the region's control-flow graph, backwards to a fixed point: flags are needed where the
 * region is or may be left (ways out, ways backwards, right after an inline access), before anything that
 * may fault or calls a handler, and where an instruction reads them.
 * Each writer keeps (lazily, see jit/emit/flags.ts) the bits of its output that are observed; returns the flags live
 * into each instruction.
 */
export function flagLiveness(planned: Planned[]): Int32Array {
  const liveIn = new Int32Array(planned.length);
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = planned.length - 1; k >= 0; k--) {
      const p = planned[k]!;
      // A way out of the region, and a way backwards (the region may stop there for its instruction budget),
      // need every flag.
      const into = (j: number) => (j < 0 || j <= k ? ARITH : liveIn[j]!);
      const access = accesses(p);
      let live: number;
      // An inline access may end the region right after it (a data breakpoint, an MMIO write, a store into
      // the code): everything it leaves is observed there.
      if (access) live = ARITH;
      else if (p.kind === Kind.Jcc) live = into(p.fall) | into(p.taken);
      else if (p.kind === Kind.Jmp || p.kind === Kind.CallRel) live = into(p.taken);
      else if (p.kind === Kind.Ret || ENDS_BLOCK[p.insn.op] === 1) live = ARITH;
      else live = into(p.fall);
      p.liveFlags = live & p.writes;
      // A handler reads RFLAGS; an access that may fault needs the flags before it exact (or recoverable).
      const before = access || p.kind === Kind.Call ? ARITH : (live & ~p.writes) | p.reads;
      if (before !== liveIn[k]) {
        liveIn[k] = before;
        changed = true;
      }
    }
  }
  return liveIn;
}

/** Whether p is an inline memory access (it may fault, and the region may end right after it). */
function accesses(p: Planned): boolean {
  switch (p.kind) {
    case Kind.Load:
    case Kind.Store:
    case Kind.Store8:
    case Kind.Push:
    case Kind.Pop:
    case Kind.CallRel:
    case Kind.Ret:
    case Kind.BinaryMem:
      return true;
    case Kind.Movzx:
    case Kind.Movsx:
      return p.s < 0;
    default:
      return false;
  }
}

/** A run of the region's bytes in RAM: [start, end). */
export interface Segment {
  start: number;
  end: number;
}
