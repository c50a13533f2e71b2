// Segment-register moves: MOV Sreg,r/m / MOV r/m,Sreg and the far-pointer loads LDS LES LFS LGS LSS
// (checks in cpu/segments.ts). "Loading the SS register with a MOV instruction inhibits interrupts until
// after the execution of the next instruction" (and debug exceptions: the MOV SS shadow).
import { InterruptShadow } from '../../../abi/constants.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear, readOp, setReg, writeOp } from '../cpu/operands.js';
import { loadDataSeg } from '../cpu/segments.js';
import { type Insn, Opnd, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

function movSeg(cpu: Cpu, insn: Insn): void {
  if (insn.o1 === Opnd.SReg) {
    const sel = readOp(cpu, insn, insn.o2, 2, false) & 0xffff;
    loadDataSeg(cpu, insn.reg, sel);
    if (insn.reg === SegReg.SS) cpu.shadow = InterruptShadow.MovSs;
    return;
  }
  // "When the destination is a register ... the selector is zero-extended; a memory destination takes 16 bits."
  const sel = cpu.segSel[insn.reg]!;
  writeOp(cpu, insn, insn.o1, insn.mod === 3 ? insn.osize : 2, sel, 0, false);
}

function loadFar(cpu: Cpu, insn: Insn, seg: number): void {
  const size = insn.osize;
  const la = memLinear(cpu, insn, size + 2, false);
  const off = cpu.readN(la, size, cpu.needR);
  const offHi = cpu.hi;
  const sel = cpu.read16(la + size, cpu.needR);
  loadDataSeg(cpu, seg, sel);
  setReg(cpu, insn.reg, size, off, offHi, insn.rex);
  if (seg === SegReg.SS) cpu.shadow = InterruptShadow.MovSs;
}

export function registerSegment(t: ExecFn[]): void {
  t[Op.MOV_SEG] = movSeg;
  t[Op.LES] = (cpu, insn) => loadFar(cpu, insn, SegReg.ES);
  t[Op.LDS] = (cpu, insn) => loadFar(cpu, insn, SegReg.DS);
  t[Op.LSS] = (cpu, insn) => loadFar(cpu, insn, SegReg.SS);
  t[Op.LFS] = (cpu, insn) => loadFar(cpu, insn, SegReg.FS);
  t[Op.LGS] = (cpu, insn) => loadFar(cpu, insn, SegReg.GS);
}
