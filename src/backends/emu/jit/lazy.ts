// Lazy flags: a flag writer in compiled code keeps its operands (locals p0..p3) instead of computing RFLAGS;
// RFLAGS is computed from them where something needs it, with the interpreter's own ALU functions. Inside a
// basic block the emitter knows which op is pending and writes that call; across blocks the local `pk` says
// (op and size, 0: RFLAGS in `f` is exact) and lazyFlags() computes it.
import { Op } from '../decode/ops.js';
import { add, and, dec, imul2, inc, neg, or, shift, sub, xor } from '../exec/alu/index.js';

/** The ops whose flags can be pending, by their code in `pk` (index + 1); CMP is SUB, TEST is AND, the
 *  IMUL forms are IMUL2. */
const LAZY_OPS: number[] = [
  Op.ADD,
  Op.SUB,
  Op.AND,
  Op.OR,
  Op.XOR,
  Op.INC,
  Op.DEC,
  Op.NEG,
  Op.SHL,
  Op.SHR,
  Op.SAR,
  Op.IMUL2,
];

function canonical(op: number): number {
  return op === Op.CMP ? Op.SUB : op === Op.TEST ? Op.AND : op === Op.IMUL3 ? Op.IMUL2 : op;
}

/** The value of `pk` for a pending `op` at operand size `size`. */
export function lazyCode(op: number, size: number): number {
  const i = LAZY_OPS.indexOf(canonical(op));
  if (i < 0) throw new Error(`op ${op} has no lazy flags`);
  return ((i + 1) << 4) | size;
}

/** The JavaScript expression computing RFLAGS after pending `op` from p0..p3 and the flags before (f). */
export function lazyExpr(op: number, size: number): string {
  switch (canonical(op)) {
    case Op.ADD:
      return `add(${size}, p0, p1, p2, p3, 0, f)`;
    case Op.SUB:
      return `sub(${size}, p0, p1, p2, p3, 0, f)`;
    case Op.AND:
      return `and(${size}, p0, p1, p2, p3, f)`;
    case Op.OR:
      return `or(${size}, p0, p1, p2, p3, f)`;
    case Op.XOR:
      return `xor(${size}, p0, p1, p2, p3, f)`;
    case Op.INC:
      return `inc(${size}, p0, p1, f)`;
    case Op.DEC:
      return `dec(${size}, p0, p1, f)`;
    case Op.NEG:
      return `neg(${size}, p0, p1, f)`;
    case Op.IMUL2:
      return `imul2(${size}, p0, p1, p2, p3, f)`;
    default:
      // SHL/SHR/SAR: p2 is the count.
      return `shift(${op}, ${size}, p0, p1, p2, f)`;
  }
}

/** RFLAGS after the pending op `pk` (non-zero) on operands a and b, `f` the flags before it. */
export function lazyFlags(pk: number, a0: number, a1: number, b0: number, b1: number, f: number): number {
  const size = pk & 15;
  const op = LAZY_OPS[(pk >> 4) - 1]!;
  switch (op) {
    case Op.ADD:
      return add(size, a0, a1, b0, b1, 0, f);
    case Op.SUB:
      return sub(size, a0, a1, b0, b1, 0, f);
    case Op.AND:
      return and(size, a0, a1, b0, b1, f);
    case Op.OR:
      return or(size, a0, a1, b0, b1, f);
    case Op.XOR:
      return xor(size, a0, a1, b0, b1, f);
    case Op.INC:
      return inc(size, a0, a1, f);
    case Op.DEC:
      return dec(size, a0, a1, f);
    case Op.NEG:
      return neg(size, a0, a1, f);
    case Op.IMUL2:
      return imul2(size, a0, a1, b0, b1, f);
    default:
      return shift(op, size, a0, a1, b0, f);
  }
}
