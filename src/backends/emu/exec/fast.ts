// Specialised handlers for the commonest register-only forms (ALU, INC/DEC/NEG/NOT, MOV at 32/64 bits).
// A cached instruction gets one when it is decoded (cpu/icache.ts keeps it beside the Insn); it computes
// exactly what the generic family handler computes (same pure ALU functions, same order: operands read,
// result written, then RFLAGS), without the operand-kind and size dispatch of readOp/writeOp.
// Anything else — memory operands, 8/16-bit sizes, other ops — keeps the generic handler.
import { condition } from '../cpu/cond.js';
import type { ExecFn } from '../cpu/cpu.js';
import { memLinear } from '../cpu/operands.js';
import { type Insn, Opnd, regOf } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { add, aluOut, and, binop, dec, inc, neg, not, or, sub, xor } from './alu/index.js';
import { checkTarget } from './branch.js';

function isBinary(op: number): boolean {
  return op >= Op.ADD && op <= Op.TEST;
}

/** A specialised handler for `insn`, or undefined when the generic one must run. */
export function specialize(insn: Insn): ExecFn | undefined {
  const size = insn.osize;
  const op = insn.op;
  if (op === Op.JCC && insn.o1 === Opnd.Rel) return jcc(insn.opcode & 0xf, insn.imm, size);
  if (size !== 4 && size !== 8) return undefined;
  if (op === Op.MOV && insn.o3 === Opnd.None && insn.mod >= 0 && insn.mod !== 3) {
    // MOV r, m (8B) and MOV m, r (89): the memory operand through the same memLinear + read/write.
    if (insn.o1 === Opnd.G && insn.o2 === Opnd.E) return movRM(size, insn.reg);
    if (insn.o1 === Opnd.E && insn.o2 === Opnd.G) return movMR(size, insn.reg);
    return undefined;
  }
  if (isBinary(op) || op === Op.MOV) {
    const d = regOf(insn, insn.o1);
    if (d < 0 || insn.o3 !== Opnd.None) return undefined;
    const s = regOf(insn, insn.o2);
    const isImm = insn.o2 === Opnd.I;
    if (s < 0 && !isImm) return undefined;
    if (op === Op.MOV) return s >= 0 ? movRR(size, d, s) : movRI(size, d, insn.imm >>> 0, insn.immHi);
    const direct = aluDirect(op, size, d, s, insn.imm >>> 0, insn.immHi);
    if (direct !== undefined) return direct;
    return s >= 0 ? aluRR(op, size, d, s) : aluRI(op, size, d, insn.imm >>> 0, insn.immHi);
  }
  if (op === Op.INC || op === Op.DEC || op === Op.NEG || op === Op.NOT) {
    const d = regOf(insn, insn.o1);
    if (d < 0 || insn.o2 !== Opnd.None) return undefined;
    return unaryR(op, size, d);
  }
  return undefined;
}

function aluRR(op: number, size: number, d: number, s: number): ExecFn {
  const store = op !== Op.CMP && op !== Op.TEST;
  const dl = 2 * d;
  const sl = 2 * s;
  if (size === 8) {
    return (cpu) => {
      const r = cpu.regs;
      const nf = binop(op, 8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, cpu.rflags);
      if (store) {
        r[dl] = aluOut.lo;
        r[dl + 1] = aluOut.hi;
      }
      cpu.rflags = nf;
    };
  }
  return (cpu) => {
    const r = cpu.regs;
    const nf = binop(op, 4, r[dl]!, 0, r[sl]!, 0, cpu.rflags);
    if (store) {
      // "32-bit operands generate a 32-bit result, zero-extended to a 64-bit result".
      r[dl] = aluOut.lo;
      r[dl + 1] = 0;
    }
    cpu.rflags = nf;
  };
}

function aluRI(op: number, size: number, d: number, imm: number, immHi: number): ExecFn {
  const store = op !== Op.CMP && op !== Op.TEST;
  const dl = 2 * d;
  if (size === 8) {
    return (cpu) => {
      const r = cpu.regs;
      const nf = binop(op, 8, r[dl]!, r[dl + 1]!, imm, immHi, cpu.rflags);
      if (store) {
        r[dl] = aluOut.lo;
        r[dl + 1] = aluOut.hi;
      }
      cpu.rflags = nf;
    };
  }
  return (cpu) => {
    const r = cpu.regs;
    const nf = binop(op, 4, r[dl]!, 0, imm, 0, cpu.rflags);
    if (store) {
      r[dl] = aluOut.lo;
      r[dl + 1] = 0;
    }
    cpu.rflags = nf;
  };
}

function unaryR(op: number, size: number, d: number): ExecFn {
  const dl = 2 * d;
  const wide = size === 8;
  return (cpu) => {
    const r = cpu.regs;
    const lo = r[dl]!;
    const hi = wide ? r[dl + 1]! : 0;
    const f = cpu.rflags;
    const nf =
      op === Op.INC
        ? inc(size, lo, hi, f)
        : op === Op.DEC
          ? dec(size, lo, hi, f)
          : op === Op.NEG
            ? neg(size, lo, hi, f)
            : not(size, lo, hi, f);
    r[dl] = aluOut.lo;
    r[dl + 1] = wide ? aluOut.hi : 0;
    cpu.rflags = nf;
  };
}

function movRR(size: number, d: number, s: number): ExecFn {
  const dl = 2 * d;
  const sl = 2 * s;
  if (size === 8) {
    return (cpu) => {
      const r = cpu.regs;
      r[dl] = r[sl]!;
      r[dl + 1] = r[sl + 1]!;
    };
  }
  return (cpu) => {
    const r = cpu.regs;
    r[dl] = r[sl]!;
    r[dl + 1] = 0;
  };
}

function movRI(size: number, d: number, imm: number, immHi: number): ExecFn {
  const dl = 2 * d;
  const hi = size === 8 ? immHi : 0;
  return (cpu) => {
    const r = cpu.regs;
    r[dl] = imm;
    r[dl + 1] = hi;
  };
}

/** Jcc rel: the target is nextRip + rel at the operand size, checked like any near branch. */
function jcc(cc: number, rel: number, size: number): ExecFn {
  return (cpu) => {
    if (!condition(cpu.rflags, cc)) return;
    const t = cpu.nextRip + rel;
    cpu.nextRip = checkTarget(cpu, size === 8 ? t : size === 4 ? t >>> 0 : t & 0xffff);
  };
}

function movRM(size: number, d: number): ExecFn {
  const dl = 2 * d;
  if (size === 8) {
    return (cpu, insn) => {
      const lo = cpu.read64(memLinear(cpu, insn, 8, false), cpu.needR);
      const r = cpu.regs;
      r[dl] = lo;
      r[dl + 1] = cpu.hi;
    };
  }
  return (cpu, insn) => {
    const lo = cpu.read32(memLinear(cpu, insn, 4, false), cpu.needR);
    const r = cpu.regs;
    r[dl] = lo;
    r[dl + 1] = 0;
  };
}

function movMR(size: number, s: number): ExecFn {
  const sl = 2 * s;
  if (size === 8) {
    return (cpu, insn) => {
      const r = cpu.regs;
      cpu.write64(memLinear(cpu, insn, 8, true), r[sl]!, r[sl + 1]!, cpu.needW);
    };
  }
  return (cpu, insn) => {
    cpu.write32(memLinear(cpu, insn, 4, true), cpu.regs[sl]!, cpu.needW);
  };
}

/** Per-op closures (one source site each, so V8 inlines the one ALU function and its flag helper). */
function aluDirect(op: number, size: number, d: number, s: number, imm: number, immHi: number): ExecFn | undefined {
  const dl = 2 * d;
  const sl = 2 * s;
  const wide = size === 8;
  const reg = s >= 0;
  switch (op) {
    case Op.ADD:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = add(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, 0, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = add(8, r[dl]!, r[dl + 1]!, imm, immHi, 0, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = add(4, r[dl]!, 0, r[sl]!, 0, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = add(4, r[dl]!, 0, imm, 0, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          };
    case Op.SUB:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = sub(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, 0, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = sub(8, r[dl]!, r[dl + 1]!, imm, immHi, 0, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = sub(4, r[dl]!, 0, r[sl]!, 0, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = sub(4, r[dl]!, 0, imm, 0, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          };
    case Op.XOR:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = xor(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = xor(8, r[dl]!, r[dl + 1]!, imm, immHi, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = xor(4, r[dl]!, 0, r[sl]!, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = xor(4, r[dl]!, 0, imm, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          };
    case Op.AND:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = and(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = and(8, r[dl]!, r[dl + 1]!, imm, immHi, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = and(4, r[dl]!, 0, r[sl]!, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = and(4, r[dl]!, 0, imm, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          };
    case Op.OR:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = or(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = or(8, r[dl]!, r[dl + 1]!, imm, immHi, cpu.rflags);
              r[dl] = aluOut.lo;
              r[dl + 1] = aluOut.hi;
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = or(4, r[dl]!, 0, r[sl]!, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = or(4, r[dl]!, 0, imm, 0, cpu.rflags);
            r[dl] = aluOut.lo;
            r[dl + 1] = 0;
            cpu.rflags = nf;
          };
    case Op.CMP:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = sub(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, 0, cpu.rflags);
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = sub(8, r[dl]!, r[dl + 1]!, imm, immHi, 0, cpu.rflags);
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = sub(4, r[dl]!, 0, r[sl]!, 0, 0, cpu.rflags);
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = sub(4, r[dl]!, 0, imm, 0, 0, cpu.rflags);
            cpu.rflags = nf;
          };
    case Op.TEST:
      if (wide)
        return reg
          ? (cpu) => {
              const r = cpu.regs;
              const nf = and(8, r[dl]!, r[dl + 1]!, r[sl]!, r[sl + 1]!, cpu.rflags);
              cpu.rflags = nf;
            }
          : (cpu) => {
              const r = cpu.regs;
              const nf = and(8, r[dl]!, r[dl + 1]!, imm, immHi, cpu.rflags);
              cpu.rflags = nf;
            };
      return reg
        ? (cpu) => {
            const r = cpu.regs;
            const nf = and(4, r[dl]!, 0, r[sl]!, 0, cpu.rflags);
            cpu.rflags = nf;
          }
        : (cpu) => {
            const r = cpu.regs;
            const nf = and(4, r[dl]!, 0, imm, 0, cpu.rflags);
            cpu.rflags = nf;
          };
  }
  return undefined;
}
