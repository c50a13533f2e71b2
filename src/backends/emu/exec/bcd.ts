// Decimal adjust and ASCII adjust: DAA DAS AAA AAS AAM AAD, and SALC (all invalid in 64-bit mode; the
// decoder rejects them there). Rules quoted from the SDM's Operation sections.
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { AF, CF, OF, PARITY, SF, ZF } from './alu/index.js';

function setAl(cpu: Cpu, al: number): void {
  cpu.regs[0] = (cpu.regs[0]! & 0xffffff00) | (al & 0xff);
}

/** SF ZF PF of AL, other arithmetic flags as given. */
function szpAl(al: number): number {
  return (al === 0 ? ZF : 0) | (al & 0x80 ? SF : 0) | PARITY[al]!;
}

/** DAA/DAS: "IF ((AL AND 0FH) > 9) or (AF = 1) THEN AL ± 6, AF = 1; IF (old_AL > 99H) or (old_CF = 1)
 *  THEN AL ± 60H, CF = 1". OF is undefined: cleared. */
function daa(cpu: Cpu, sub: boolean): void {
  const f = cpu.rflags;
  const old = cpu.regs[0]! & 0xff;
  let al = old;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || (f & AF) !== 0) {
    al = sub ? al - 6 : al + 6;
    cf = (f & CF) !== 0 || (sub ? al < 0 : al > 0xff) ? CF : 0;
    af = AF;
  }
  al &= 0xff;
  if (old > 0x99 || (f & CF) !== 0) {
    al = (sub ? al - 0x60 : al + 0x60) & 0xff;
    cf = CF;
  }
  setAl(cpu, al);
  cpu.rflags = (f & ~(CF | AF | SF | ZF | 4 | OF)) | cf | af | szpAl(al);
}

/** AAA/AAS: "IF ((AL AND 0FH) > 9) or (AF = 1) THEN AX ± 106H; AF = CF = 1 ELSE AF = CF = 0; AL = AL AND 0FH". */
function aaa(cpu: Cpu, sub: boolean): void {
  const f = cpu.rflags;
  let ax = cpu.regs[0]! & 0xffff;
  let flags = 0;
  if ((ax & 0xf) > 9 || (f & AF) !== 0) {
    ax = sub ? (ax - 6) & 0xffff : (ax + 0x106) & 0xffff;
    if (sub) ax = (ax - 0x100) & 0xffff;
    flags = AF | CF;
  }
  ax &= 0xff0f;
  cpu.regs[0] = (cpu.regs[0]! & 0xffff0000) | ax;
  cpu.rflags = (f & ~(CF | AF)) | flags;
}

/** AAM imm8: "AH = AL / imm8; AL = AL MOD imm8" (#DE if imm8 = 0); SF ZF PF from AL. */
function aam(cpu: Cpu, insn: Insn): void {
  const base = insn.imm & 0xff;
  if (base === 0) cpu.raise(Vector.DE);
  const al = cpu.regs[0]! & 0xff;
  const q = Math.floor(al / base);
  const r = al % base;
  cpu.regs[0] = (cpu.regs[0]! & 0xffff0000) | (q << 8) | r;
  cpu.rflags = (cpu.rflags & ~(SF | ZF | 4 | CF | AF | OF)) | szpAl(r);
}

/** AAD imm8: "AL = (AL + AH * imm8) AND FFH; AH = 0"; SF ZF PF from AL. */
function aad(cpu: Cpu, insn: Insn): void {
  const ax = cpu.regs[0]!;
  const al = ((ax & 0xff) + ((ax >>> 8) & 0xff) * (insn.imm & 0xff)) & 0xff;
  cpu.regs[0] = (ax & 0xffff0000) | al;
  cpu.rflags = (cpu.rflags & ~(SF | ZF | 4 | CF | AF | OF)) | szpAl(al);
}

export function registerBcd(t: ExecFn[]): void {
  t[Op.DAA] = (cpu) => daa(cpu, false);
  t[Op.DAS] = (cpu) => daa(cpu, true);
  t[Op.AAA] = (cpu) => aaa(cpu, false);
  t[Op.AAS] = (cpu) => aaa(cpu, true);
  t[Op.AAM] = aam;
  t[Op.AAD] = aad;
  // SALC: "AL = CF ? FFH : 00H".
  t[Op.SALC] = (cpu) => setAl(cpu, (cpu.rflags & CF) !== 0 ? 0xff : 0);
}
