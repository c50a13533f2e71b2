// The 64-bit stack inline: PUSH r|imm, POP r, and the address arithmetic of RSP that CALL and RET share.
import { Vector } from '../../../../x86/vectors.js';
import type { Planned } from '../plan.js';
import type { Emission } from './context.js';
import { accessPoint, trapCheck } from './exits.js';
import { address64, canonical, load, store } from './memory.js';

/** PUSH r|imm (Kind.Push). */
export function pushOp(e: Emission, p: Planned, k: number): void {
  push(
    e,
    p,
    k,
    p.s >= 0 ? e.reg(2 * p.s) : `${p.insn.imm >>> 0}`,
    p.s >= 0 ? e.reg(2 * p.s + 1) : `${p.insn.immHi >>> 0}`,
  );
}

/** Opens a `{` scope with `la` = RSP as a linear address, after linear()'s #SS(0) canonical check. */
export function stackTop(e: Emission): void {
  e.emit(`{ const la = ${address64(e.reg(9), e.reg(8))};`);
  e.canon = canonical('a', Vector.SS);
}

/** RSP + delta (±8) as uint32 halves in the locals sl/sh (the borrow or carry from an unsigned comparison,
 *  so V8 keeps it in 32-bit integers). */
export function stackSlot(e: Emission, delta: number): void {
  const lo = e.reg(8);
  const hi = e.reg(9);
  const d = Math.abs(delta);
  if (delta < 0) e.emit(`const sl = (${lo} - ${d}) >>> 0, sh = ${lo} < ${d} ? (${hi} - 1) >>> 0 : ${hi};`);
  else e.emit(`const sl = (${lo} + ${d}) >>> 0, sh = sl < ${d} ? (${hi} + 1) >>> 0 : ${hi};`);
}

/** PUSH (and CALL's push): the value is taken before RSP moves; RSP changes only once the write succeeded. */
export function push(e: Emission, p: Planned, k: number, lo: string, hi: string): void {
  accessPoint(e, p, k);
  e.emit(`{ const v0 = ${lo}, v1 = ${hi};`);
  stackSlot(e, -8);
  e.emit(`const la = ${address64('sh', 'sl')};`);
  e.canon = canonical('a', Vector.SS);
  // RSP moves once the write succeeded.
  const moved = `${e.reg(8)} = sl; ${e.reg(9)} = sh;`;
  e.markDirty(8);
  e.markDirty(9);
  store(e, p, k, 'la', 8, 'v0', 'v1', moved);
  e.emit('}');
}

/** POP r64: read at RSP, then RSP += 8 and the register (RSP itself is not handled here). */
export function pop(e: Emission, p: Planned, k: number): void {
  accessPoint(e, p, k);
  const d = 2 * p.d;
  stackTop(e);
  e.emit('let v0 = 0, v1 = 0;');
  load(e, k, 'la', 8, 'v0', 'v1');
  stackSlot(e, 8);
  e.emit(`${e.reg(8)} = sl; ${e.reg(9)} = sh; ${e.reg(d)} = v0; ${e.reg(d + 1)} = v1; }`);
  for (const h of [8, 9, d, d + 1]) e.markDirty(h);
  trapCheck(e, p);
}
