// The instructions that read a condition code inline: SETcc and CMOVcc (Jcc: control.ts). The condition's
// expression comes from the interpreter's own table (cpu/cond.ts).
import { conditionSource } from '../../cpu/cond.js';
import type { Planned } from '../plan.js';
import type { Emission } from './context.js';
import { highByte } from './locals.js';

/** The condition of Jcc/SETcc/CMOVcc (cc in the opcode's low nibble), read off pending flags where possible. */
export function condition(e: Emission, p: Planned): string {
  const cc = p.insn.opcode & 0xf;
  return e.flags.pendingCond(cc) ?? conditionSource(cc, e.flags.exact());
}

/** SETcc r8: 1 or 0 into the byte register, the rest of the register kept. */
export function setcc(e: Emission, p: Planned): void {
  const insn = p.insn;
  const c = condition(e, p);
  const r = p.d;
  if (highByte(insn, r)) {
    const h = 2 * (r - 4);
    e.setReg(h, `((${e.reg(h)} & 0xffff00ff) | ((${c}) ? 0x100 : 0)) >>> 0`);
  } else e.setReg(2 * r, `((${e.reg(2 * r)} & 0xffffff00) | ((${c}) ? 1 : 0)) >>> 0`);
}

/** CMOVcc r, r: the source when the condition holds; a 32-bit destination is zero-extended either way. */
export function cmov(e: Emission, p: Planned): void {
  const d = 2 * p.d;
  const s = 2 * p.s;
  const c = condition(e, p);
  const [dl, dh, sl, sh] = [e.reg(d), e.reg(d + 1), e.reg(s), e.reg(s + 1)];
  if (p.insn.osize === 8) e.emit(`if (${c}) { ${dl} = ${sl}; ${dh} = ${sh}; }`);
  else e.emit(`if (${c}) ${dl} = ${sl}; ${dh} = 0;`);
  e.markDirty(d);
  e.markDirty(d + 1);
}
