// Far control transfer: JMP ptr/m16:xx, CALL far, RET far, IRET/IRETD/IRETQ (SDM vol. 2 and vol. 3 §5.8).
// Call gates and task switches are not supported by this CPU: they raise #GP(selector) like an invalid type.
import { RFLAGS } from '../../../x86/control-regs.js';
import { Attr } from '../../../x86/descriptors.js';
import { CANONICAL_BOUND } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear } from '../cpu/operands.js';
import { checkCodeSeg, loadDataSeg, loadRealSeg, nullOuterSegs, setCs } from '../cpu/segments.js';
import { getSp, pushAt, readAt, setSp, spAdd } from '../cpu/stack.js';
import { Seg } from '../cpu/state.js';
import { type Insn, Opnd, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const TWO32 = 4294967296;

/** Far pointer operand: offset in `farOff`, selector in `farSel`. */
let farOff = 0;
let farSel = 0;

function readFarPtr(cpu: Cpu, insn: Insn): void {
  if (insn.o1 !== Opnd.M && insn.o1 !== Opnd.E) {
    // Ap: direct far pointer.
    farOff = insn.imm;
    farSel = insn.imm2 & 0xffff;
    return;
  }
  const size = insn.osize;
  const la = memLinear(cpu, insn, size + 2, false);
  if (size === 8) {
    const lo = cpu.read64(la, cpu.needR);
    farOff = (cpu.hi | 0) * TWO32 + lo;
  } else farOff = cpu.readN(la, size, cpu.needR);
  farSel = cpu.read16(la + size, cpu.needR);
}

function isProtected(cpu: Cpu): boolean {
  return (cpu.cr0 & 1) !== 0 && (cpu.rflags & RFLAGS.VM) === 0;
}

/** Loads CS:rip for a far JMP/CALL at the same privilege level. */
function farTransfer(cpu: Cpu, sel: number, off: number, size: number): void {
  if (!isProtected(cpu)) {
    loadRealSeg(cpu, Seg.CS, sel);
    cpu.nextRip = size === 2 ? off & 0xffff : off >>> 0;
    return;
  }
  const d = checkCodeSeg(cpu, sel, false);
  const target = d.l && (cpu.efer & 0x400) !== 0 ? off : size === 2 ? off & 0xffff : off >>> 0;
  if (d.l && (cpu.efer & 0x400) !== 0) {
    if (target < -CANONICAL_BOUND || target >= CANONICAL_BOUND) cpu.raise(Vector.GP, 0);
  } else if (target > d.limit) cpu.raise(Vector.GP, 0);
  setCs(cpu, sel, d, cpu.cpl);
  cpu.nextRip = target;
}

function jmpf(cpu: Cpu, insn: Insn): void {
  readFarPtr(cpu, insn);
  farTransfer(cpu, farSel, farOff, insn.osize);
}

function callf(cpu: Cpu, insn: Insn): void {
  readFarPtr(cpu, insn);
  const size = insn.osize;
  const sel = farSel;
  const off = farOff;
  let sp = getSp(cpu);
  sp = pushAt(cpu, sp, size, cpu.segSel[Seg.CS]!, 0);
  const ret = cpu.nextRip;
  sp = pushAt(cpu, sp, size, ret >>> 0, size === 8 ? Math.floor(ret / TWO32) >>> 0 : 0);
  const savedCs = saveCs(cpu);
  farTransfer(cpu, sel, off, size);
  try {
    setSp(cpu, sp);
  } catch (e) {
    restoreCs(cpu, savedCs);
    throw e;
  }
}

const csSave = { sel: 0, base: 0, limit: 0, attr: 0, cpl: 0 };
function saveCs(cpu: Cpu): typeof csSave {
  csSave.sel = cpu.segSel[Seg.CS]!;
  csSave.base = cpu.segBase[Seg.CS]!;
  csSave.limit = cpu.segLimit[Seg.CS]!;
  csSave.attr = cpu.segAttr[Seg.CS]!;
  csSave.cpl = cpu.cpl;
  return csSave;
}
function restoreCs(cpu: Cpu, s: typeof csSave): void {
  cpu.segSel[Seg.CS] = s.sel;
  cpu.segBase[Seg.CS] = s.base;
  cpu.segLimit[Seg.CS] = s.limit;
  cpu.segAttr[Seg.CS] = s.attr;
  cpu.cpl = s.cpl;
  cpu.updateMode();
}

/** Pops one stack slot of `size` at sp as a rip-like value. */
function slot(cpu: Cpu, sp: number, size: number): number {
  const lo = readAt(cpu, sp, size);
  return size === 8 ? (cpu.hi | 0) * TWO32 + lo : lo;
}

/** RET far [imm16]: same privilege, or "return to outer privilege level" popping SS:rSP too. */
function retf(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const imm = insn.o1 === Opnd.I ? insn.imm & 0xffff : 0;
  let sp = getSp(cpu);
  const off = slot(cpu, sp, size);
  const sel = readAt(cpu, spAdd(cpu, sp, size), size) & 0xffff;
  sp = spAdd(cpu, sp, 2 * size + imm);
  if (!isProtected(cpu)) {
    loadRealSeg(cpu, Seg.CS, sel);
    cpu.nextRip = size === 2 ? off & 0xffff : off >>> 0;
    setSp(cpu, sp);
    return;
  }
  const rpl = sel & 3;
  const d = checkCodeSeg(cpu, sel, true);
  const desc = { ...d };
  if (rpl > cpu.cpl) {
    const nsp = slot(cpu, sp, size);
    const nss = readAt(cpu, spAdd(cpu, sp, size), size) & 0xffff;
    setCs(cpu, sel, desc, rpl);
    loadStackSeg(cpu, nss);
    setSpAny(cpu, spAddImm(cpu, nsp, imm, size));
    nullOuterSegs(cpu);
  } else {
    setCs(cpu, sel, desc, cpu.cpl);
    setSp(cpu, sp);
  }
  cpu.nextRip = desc.l && cpu.long64 ? off : size === 2 ? off & 0xffff : off >>> 0;
}

function spAddImm(cpu: Cpu, sp: number, imm: number, size: number): number {
  return cpu.long64 ? sp + imm : size === 2 ? (sp + imm) & 0xffff : (sp + imm) >>> 0;
}

function setSpAny(cpu: Cpu, v: number): void {
  if (cpu.long64) cpu.setReg64(4, v);
  else if (cpu.stack32) cpu.regs[8] = v >>> 0;
  else cpu.regs[8] = (cpu.regs[8]! & 0xffff0000) | (v & 0xffff);
}

/** SS for a return to an outer level; a null SS is allowed when returning to 64-bit mode below CPL 3. */
function loadStackSeg(cpu: Cpu, sel: number): void {
  if ((sel & 0xfffc) === 0 && cpu.long64 && cpu.cpl < 3) {
    cpu.segSel[Seg.SS] = sel;
    cpu.segAttr[Seg.SS] = Attr.Unusable | (cpu.cpl << Attr.DplShift);
    cpu.updateMode();
    return;
  }
  loadDataSeg(cpu, SegReg.SS, sel);
}

/** IRET flag rules: CPL 0 may change IOPL; IF only if CPL <= IOPL; RF, AC, ID, NT, VIF, VIP are loaded. */
function iretFlags(cpu: Cpu, v: number, size: number): void {
  let mask = 0x3f7fd5 & ~RFLAGS.VM;
  if ((cpu.cr0 & 1) !== 0) {
    const iopl = (cpu.rflags >>> 12) & 3;
    if (cpu.cpl > 0) mask &= ~(RFLAGS.IOPL | RFLAGS.VIF | RFLAGS.VIP);
    if (cpu.cpl > iopl) mask &= ~RFLAGS.IF;
  }
  if (size === 2) mask &= 0xffff;
  cpu.rflags = ((cpu.rflags & ~mask) | (v & mask) | 2) >>> 0;
}

function iret(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  // "IRET ... unblocks NMIs".
  if (!isProtected(cpu)) {
    let sp = getSp(cpu);
    const ip = readAt(cpu, sp, size);
    sp = spAdd(cpu, sp, size);
    const cs = readAt(cpu, sp, size) & 0xffff;
    sp = spAdd(cpu, sp, size);
    const fl = readAt(cpu, sp, size);
    sp = spAdd(cpu, sp, size);
    loadRealSeg(cpu, Seg.CS, cs);
    iretFlags(cpu, fl, size);
    setSp(cpu, sp);
    cpu.nextRip = size === 2 ? ip & 0xffff : ip >>> 0;
    cpu.nmiMasked = false;
    return;
  }
  if ((cpu.rflags & RFLAGS.NT) !== 0 && (cpu.efer & 0x400) === 0) cpu.raise(Vector.GP, 0); // task return
  let sp = getSp(cpu);
  const ip = slot(cpu, sp, size);
  sp = spAdd(cpu, sp, size);
  const sel = readAt(cpu, sp, size) & 0xffff;
  sp = spAdd(cpu, sp, size);
  const fl = readAt(cpu, sp, size);
  sp = spAdd(cpu, sp, size);
  const rpl = sel & 3;
  // "In 64-bit mode, IRET pops SS:RSP unconditionally"; elsewhere only on a return to an outer level.
  const popStack = cpu.long64 || rpl > cpu.cpl;
  let nsp = 0;
  let nss = 0;
  if (popStack) {
    nsp = slot(cpu, sp, size);
    nss = readAt(cpu, spAdd(cpu, sp, size), size) & 0xffff;
  }
  const d = checkCodeSeg(cpu, sel, true);
  const desc = { ...d };
  const toLong = desc.l !== 0 && (cpu.efer & 0x400) !== 0;
  const target = toLong ? ip : size === 2 ? ip & 0xffff : ip >>> 0;
  if (toLong ? target < -CANONICAL_BOUND || target >= CANONICAL_BOUND : target > desc.limit) cpu.raise(Vector.GP, 0);
  const oldCpl = cpu.cpl;
  iretFlags(cpu, fl, size);
  setCs(cpu, sel, desc, rpl);
  if (popStack) {
    if ((nss & 0xfffc) === 0 && toLong && rpl < 3) {
      cpu.segSel[Seg.SS] = nss;
      cpu.segAttr[Seg.SS] = Attr.Unusable | (rpl << Attr.DplShift);
      cpu.updateMode();
    } else loadDataSeg(cpu, SegReg.SS, nss);
    if (cpu.long64) cpu.setReg64(4, nsp);
    else if (size === 8) cpu.setReg64(4, nsp);
    else setSpAny(cpu, nsp);
  } else setSp(cpu, sp);
  if (rpl > oldCpl) nullOuterSegs(cpu);
  cpu.nextRip = target;
  cpu.nmiMasked = false;
}

export function registerFar(t: ExecFn[]): void {
  t[Op.JMPF] = jmpf;
  t[Op.CALLF] = callf;
  t[Op.RETF] = retf;
  t[Op.IRET] = iret;
}
