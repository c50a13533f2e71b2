// Moves inline: MOV between registers and immediates, MOV r, m / MOV m, r|imm, MOV m8, LEA, MOVZX, MOVSX.
import { Reg } from '../../decode/insn.js';
import { Op } from '../../decode/ops.js';
import { Kind, type Planned } from '../plan.js';
import type { Emission } from './context.js';
import { accessPoint, trapCheck } from './exits.js';
import { linear, load, store } from './memory.js';

/** MOV r, r|imm: the source's halves into the destination's. */
export function mov(e: Emission, p: Planned): void {
  const lo = e.locals.srcLo(p);
  const hi = e.locals.srcHi(p);
  e.setReg(2 * p.d, lo);
  e.setReg(2 * p.d + 1, hi);
}

/** MOV r, m / MOV m, r at 32/64 bits through the CPU's TLB fast path (read32/read64, write32/write64). */
export function memory(e: Emission, p: Planned, k: number): void {
  const insn = p.insn;
  const size = insn.osize;
  const wide = size === 8;
  const write = p.kind === Kind.Store;
  const d = 2 * p.d;
  accessPoint(e, p, k);
  e.emit('{');
  const la = linear(e, p, size, write);
  if (write) {
    const lo = p.s >= 0 ? e.reg(2 * p.s) : `${insn.imm >>> 0}`;
    const hi = p.s >= 0 ? e.reg(2 * p.s + 1) : `${insn.immHi >>> 0}`;
    store(e, p, k, la, size, lo, hi);
  } else {
    if (wide) {
      load(e, k, la, 8, e.reg(d), e.reg(d + 1));
      e.markDirty(d);
      e.markDirty(d + 1);
    } else {
      load(e, k, la, 4, e.reg(d));
      e.markDirty(d);
      e.setReg(d + 1, '0');
    }
    trapCheck(e, p);
  }
  e.emit('}');
}

/** MOV m8, r8 / imm8 (88, C6): a fault point, then the store. */
export function store8(e: Emission, p: Planned, k: number): void {
  const insn = p.insn;
  accessPoint(e, p, k);
  e.emit('{');
  const la = linear(e, p, 1, true);
  const v = p.s < 0 ? `${insn.imm & 0xff}` : e.byteReg(insn, p.s);
  store(e, p, k, la, 1, v, '0');
  e.emit('}');
}

/** LEA: effAddrLoHi()'s sum, truncated or zero-extended to the operand size. Flags untouched. */
export function lea(e: Emission, p: Planned): void {
  const insn = p.insn;
  const d = 2 * p.d;
  const wide = insn.osize === 8;
  if (insn.asize === 4) {
    const terms = [`${insn.disp}`];
    if (insn.base >= 0) terms.push(e.reg(2 * insn.base));
    if (insn.index >= 0) terms.push(`${e.reg(2 * insn.index)} * ${insn.scale}`);
    e.setReg(d, `(${terms.join(' + ')}) >>> 0`);
    e.setReg(d + 1, '0');
    return;
  }
  if (insn.base === Reg.RIP) {
    const v = p.next + insn.disp;
    e.setReg(d, `${v >>> 0}`);
    e.setReg(d + 1, wide ? `${Math.floor(v / 4294967296) >>> 0}` : '0');
    return;
  }
  const terms = [`${insn.disp}`];
  const hiTerms = ['0'];
  if (insn.base >= 0) {
    terms.push(e.reg(2 * insn.base));
    hiTerms.push(e.reg(2 * insn.base + 1));
  }
  if (insn.index >= 0) {
    terms.push(`${e.reg(2 * insn.index)} * ${insn.scale}`);
    hiTerms.push(`Math.imul(${e.reg(2 * insn.index + 1)}, ${insn.scale})`);
  }
  if (!wide) {
    e.setReg(d, `(${terms.join(' + ')}) >>> 0`);
    e.setReg(d + 1, '0');
    return;
  }
  // The low sum carries into the high half only outside 0..2^32-1 (a way V8 then rarely needs).
  const hi = hiTerms.join(' + ');
  e.emit(`{ const l = ${terms.join(' + ')};`);
  e.emit(`if (l >= 0 && l <= 4294967295) { ${e.reg(d + 1)} = (${hi}) >>> 0; ${e.reg(d)} = l >>> 0; }`);
  e.emit(
    `else { const c = Math.floor(l / 4294967296); ${e.reg(d + 1)} = (${hi} + c) >>> 0; ${e.reg(d)} = (l - c * 4294967296) >>> 0; } }`,
  );
  e.markDirty(d);
  e.markDirty(d + 1);
}

/** MOVZX r, r/m8 or r/m16 (0F B6 / 0F B7): the memory form is a fault point. */
export function movzx(e: Emission, p: Planned, k: number): void {
  const insn = p.insn;
  const d = 2 * p.d;
  const byte = insn.opcode === 0xb6;
  if (p.s >= 0) {
    e.setReg(d, byte ? e.byteReg(insn, p.s) : `${e.reg(2 * p.s)} & 0xffff`);
    e.setReg(d + 1, '0');
    return;
  }
  accessPoint(e, p, k);
  e.emit('{');
  const la = linear(e, p, byte ? 1 : 2, false);
  load(e, k, la, byte ? 1 : 2, e.reg(d));
  e.markDirty(d);
  e.setReg(d + 1, '0');
  e.emit('}');
  trapCheck(e, p);
}

/** MOVSX r, r/m8|16 (0F BE/BF) and MOVSXD r64, r/m32 (63 with REX.W): the source sign-extended to the
 *  operand size (exec/mov.ts movsx/movsxd); a 32-bit destination's upper half is zeroed. */
export function movsx(e: Emission, p: Planned, k: number): void {
  const insn = p.insn;
  const d = 2 * p.d;
  const from = insn.op === Op.MOVSXD ? 4 : (insn.opcode & 1) === 0 ? 1 : 2;
  const ext = (v: string) => (from === 1 ? `((${v} << 24) >> 24)` : from === 2 ? `((${v} << 16) >> 16)` : `(${v} | 0)`);
  const hi = insn.osize === 8 ? '(x < 0 ? 4294967295 : 0)' : '0';
  let src = 't';
  if (p.s >= 0) {
    src = from === 1 ? e.byteReg(insn, p.s) : e.reg(2 * p.s);
    e.emit('{');
  } else {
    accessPoint(e, p, k);
    e.emit('{ let t = 0;');
    load(e, k, linear(e, p, from, false), from, 't');
  }
  e.emit(`const x = ${ext(src)}; ${e.reg(d)} = x >>> 0; ${e.reg(d + 1)} = ${hi}; }`);
  e.markDirty(d);
  e.markDirty(d + 1);
  if (p.s < 0) trapCheck(e, p);
}
