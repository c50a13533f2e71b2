// Arithmetic and logic inline: ADD OR ADC SBB AND SUB XOR CMP TEST on registers, immediates and a memory
// source; INC DEC NEG NOT; IMUL r, r[, imm]. Observed flags are left pending (flags.ts) where they can be.

import { RFLAGS } from '../../../../x86/control-regs.js';
import { Op } from '../../decode/ops.js';
import type { Planned } from '../plan.js';
import type { Emission } from './context.js';
import { accessPoint, trapCheck } from './exits.js';
import { linear, load } from './memory.js';

const { AF, CF, OF } = RFLAGS;

/** ALU op on a register and a register or an immediate (Kind.Binary). */
export function binaryReg(e: Emission, p: Planned): void {
  const d = 2 * p.d;
  const aLo = e.reg(d);
  const aHi = p.insn.osize === 8 ? e.reg(d + 1) : '0';
  binary(e, p, d, aLo, aHi, e.locals.srcLo(p), e.locals.srcHi(p));
}

/** ALU op on (aLo, aHi) and (bLo, bHi); the result goes to register halves d, d+1 unless CMP/TEST. */
function binary(e: Emission, p: Planned, d: number, aLo: string, aHi: string, bLo: string, bHi: string): void {
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
    else if (op === Op.SUB || op === Op.CMP) result = 'p4 = (p0 - p2) >>> 0; p5 = (p1 - p3 - (p0 < p2 ? 1 : 0)) >>> 0;';
    else result = `p4 = (p0 ${o} p2) >>> 0; p5 = (p1 ${o} p3) >>> 0;`;
    e.flags.setPending(op, size, [aLo, aHi], [bLo, bHi], result);
    if (store) {
      e.setReg(d, 'p4');
      e.setReg(d + 1, 'p5');
    }
    return;
  }
  if (p.liveFlags !== 0 || op === Op.ADC || op === Op.SBB) {
    // Logic ops clear CF, OF and AF (exec/alu/logic.ts): when only those are observed, that is all there is to do.
    if (logic && (p.liveFlags & ~(CF | OF | AF)) === 0) {
      // The bits it clears are all that is observed of its flags, and the other flags before it are
      // overwritten before anything reads them: whatever is pending need not be computed.
      e.flags.load();
      e.flags.set(`f & ${~p.liveFlags}`);
    } else {
      const f = e.flags.exact();
      const cin = op === Op.ADC || op === Op.SBB ? `${f} & 1` : '0';
      const call =
        op === Op.ADD || op === Op.ADC
          ? `add(${size}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${cin}, ${f})`
          : op === Op.SUB || op === Op.SBB || op === Op.CMP
            ? `sub(${size}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${cin}, ${f})`
            : `${op === Op.XOR ? 'xor' : op === Op.OR ? 'or' : 'and'}(${size}, ${aLo}, ${aHi}, ${bLo}, ${bHi}, ${f})`;
      e.flags.set(call);
      if (store) {
        e.setReg(d, 'aluOut.lo');
        e.setReg(d + 1, 'aluOut.hi');
      }
      return;
    }
  }
  if (!store) return;
  // The result alone.
  if (!wide) {
    const o = op === Op.ADD ? '+' : op === Op.SUB ? '-' : op === Op.XOR ? '^' : op === Op.OR ? '|' : '&';
    e.setReg(d, `(${aLo} ${o} ${bLo}) >>> 0`);
    e.setReg(d + 1, '0');
    return;
  }
  if (op === Op.ADD || op === Op.SUB) {
    const o = op === Op.ADD ? '+' : '-';
    e.emit(`{ const l = (${aLo} ${o} ${bLo}) >>> 0;`);
    const carry = op === Op.ADD ? `(l < ${aLo} ? 1 : 0)` : `(${aLo} < ${bLo} ? 1 : 0)`;
    e.emit(`${e.reg(d + 1)} = (${aHi} ${o} ${bHi} ${o} ${carry}) >>> 0; ${e.reg(d)} = l; }`);
    e.markDirty(d);
    e.markDirty(d + 1);
    return;
  }
  const o = op === Op.XOR ? '^' : op === Op.OR ? '|' : '&';
  e.setReg(d, `(${aLo} ${o} ${bLo}) >>> 0`);
  e.setReg(d + 1, `(${aHi} ${o} ${bHi}) >>> 0`);
}

/** ALU with a memory operand: the load (a fault point), then the register form's code. */
export function binaryMem(e: Emission, p: Planned, k: number): void {
  const insn = p.insn;
  const wide = insn.osize === 8;
  accessPoint(e, p, k);
  e.emit('{');
  const la = linear(e, p, insn.osize, false);
  e.emit('let t = 0, th = 0;');
  load(e, k, la, insn.osize, 't', wide ? 'th' : '');
  const other = e.locals.srcLo(p);
  const otherHi = e.locals.srcHi(p);
  if (p.d < 0) binary(e, p, -1, 't', 'th', other, otherHi);
  else binary(e, p, 2 * p.d, e.reg(2 * p.d), wide ? e.reg(2 * p.d + 1) : '0', 't', 'th');
  e.emit('}');
  trapCheck(e, p);
}

/** INC DEC NEG NOT on a register. */
export function unary(e: Emission, p: Planned): void {
  const d = 2 * p.d;
  const op = p.insn.op;
  const size = p.insn.osize;
  const wide = size === 8;
  const lo = e.reg(d);
  const hi = wide ? e.reg(d + 1) : '0';
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
    e.flags.setPending(op, size, [lo, hi], ['1', '0'], result);
    e.setReg(d, 'p4');
    e.setReg(d + 1, 'p5');
    return;
  }
  // NOT ("Flags Affected: None") or flags unobserved: the result alone.
  if (op === Op.NOT) {
    e.setReg(d, `~${lo} >>> 0`);
    e.setReg(d + 1, wide ? `~${hi} >>> 0` : '0');
  } else if (op === Op.NEG) {
    if (wide) e.setReg(d + 1, `(-${hi} - (${lo} !== 0 ? 1 : 0)) >>> 0`);
    else e.setReg(d + 1, '0');
    e.setReg(d, `-${lo} >>> 0`);
  } else {
    const o = op === Op.INC ? '+' : '-';
    if (wide) {
      const carry = op === Op.INC ? `(${lo} === 4294967295 ? 1 : 0)` : `(${lo} === 0 ? 1 : 0)`;
      e.setReg(d + 1, `(${hi} ${o} ${carry}) >>> 0`);
    } else e.setReg(d + 1, '0');
    e.setReg(d, `(${lo} ${o} 1) >>> 0`);
  }
}

/** IMUL r, r/m (0F AF) and IMUL r, r/m, imm with a register source: imul2() when its flags are observed,
 *  else the truncated product alone (low 64 bits from 32-bit halves: exact, no BigInt). */
export function imul(e: Emission, p: Planned): void {
  const insn = p.insn;
  const d = 2 * p.d;
  const s = 2 * p.s;
  const wide = insn.osize === 8;
  const three = insn.op === Op.IMUL3;
  const aLo = e.reg(three ? s : d);
  const aHi = wide ? e.reg(three ? s + 1 : d + 1) : '0';
  const bLo = three ? `${insn.imm >>> 0}` : e.reg(s);
  const bHi = !wide ? '0' : three ? `${insn.immHi >>> 0}` : e.reg(s + 1);
  if (p.liveFlags !== 0) e.flags.setPending(insn.op, insn.osize, [aLo, aHi], [bLo, bHi], '');
  if (!wide) {
    e.setReg(d, `Math.imul(${aLo}, ${bLo}) >>> 0`);
    e.setReg(d + 1, '0');
    return;
  }
  e.emit(`{ const nh = (mulHi32(${aLo}, ${bLo}) + Math.imul(${aLo}, ${bHi}) + Math.imul(${aHi}, ${bLo})) >>> 0;`);
  e.emit(`${e.reg(d)} = Math.imul(${aLo}, ${bLo}) >>> 0; ${e.reg(d + 1)} = nh; }`);
  e.markDirty(d);
  e.markDirty(d + 1);
}
