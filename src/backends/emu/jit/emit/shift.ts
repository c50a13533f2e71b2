// SHL/SHR/SAR inline, by a constant or by CL.
import { Op } from '../../decode/ops.js';
import { type Planned, shiftCount } from '../plan.js';
import type { Emission } from './context.js';

/** SHL/SHR/SAR by a constant or CL: the result inline; observed flags pending (exec/alu/shift.ts's shift() computes
 *  them from the operand and the count). */
export function shift(e: Emission, p: Planned): void {
  const insn = p.insn;
  const d = 2 * p.d;
  const wide = insn.osize === 8;
  const op = insn.op;
  const byCl = p.s === 1;
  const c = shiftCount(insn);
  if (!byCl && c === 0) {
    // Nothing shifts and no flag changes, but a 32-bit destination is still written (zero-extended).
    if (!wide) e.setReg(d + 1, '0');
    return;
  }
  const lo = e.reg(d);
  const hi = wide ? e.reg(d + 1) : '0';
  if (p.liveFlags !== 0) {
    const count = byCl ? `${e.reg(2)} & 0xff` : `${c}`;
    e.flags.setPending(op, insn.osize, [lo, hi], [count, '0'], '', byCl);
  }
  if (byCl && !wide) {
    // JS shifts take the count mod 32, the masked x86 count of a 32-bit shift; a masked 0 changes nothing
    // but the destination's upper half (zeroed).
    const n = `(${e.reg(2)} & 31)`;
    e.setReg(d, op === Op.SHL ? `(${lo} << ${n}) >>> 0` : op === Op.SHR ? `${lo} >>> ${n}` : `(${lo} >> ${n}) >>> 0`);
    e.setReg(d + 1, '0');
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
    e.emit(`{ const c = ${e.reg(2)} & 63; if (c !== 0) { let nl = 0, nh = 0;`);
    e.emit(`if (c < 32) { ${small} } else { ${large} } ${lo} = nl; ${hi} = nh; } }`);
    e.markDirty(d);
    e.markDirty(d + 1);
  } else if (!wide) {
    e.setReg(d, op === Op.SHL ? `(${lo} << ${c}) >>> 0` : op === Op.SHR ? `${lo} >>> ${c}` : `(${lo} >> ${c}) >>> 0`);
    e.setReg(d + 1, '0');
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
    e.emit(`{ const nl = ${nlo}, nh = ${nhi}; ${lo} = nl; ${hi} = nh; }`);
    e.markDirty(d);
    e.markDirty(d + 1);
  }
  if (p.liveFlags !== 0) e.emit(`p4 = ${lo}; p5 = ${wide ? hi : '0'};`);
}
