// Event delivery through the IVT/IDT (SDM vol. 3 ch. 6; real mode §20.1.4): exceptions, external interrupts,
// NMI and software interrupts, in real, protected and IA-32e mode, with the privilege switch through the TSS
// (SS0:ESP0 / RSP0 / IST) and error codes. Everything that can fault is read or written before any register
// changes, so a fault during delivery leaves the interrupted state intact for #DF/triple-fault handling.
import { RFLAGS } from '../../../x86/control-regs.js';
import { Attr, decodeGate32, decodeGate64, newGateDescriptor, SysType } from '../../../x86/descriptors.js';
import { CANONICAL_BOUND } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import { type CpuMem, Need } from './mmu.js';
import { checkIntCs, readDescriptor, segScratch, setCs, setNullSeg, setSegCache } from './segments.js';
import { Seg } from './state.js';

export const EventKind = {
  /** A fault or trap raised by the CPU (error code as given). */
  Exception: 0,
  /** An external interrupt (KVM_INTERRUPT): EXT = 1 in error codes. */
  External: 1,
  Nmi: 2,
  /** INT n, INT3, INTO: the gate's DPL is checked against CPL ("#GP(vector*8+2) if DPL < CPL"). */
  Software: 3,
  /** INT1 (ICEBP): a privileged software exception (no DPL check). */
  Icebp: 4,
} as const;

const gate = newGateDescriptor();

const TWO32 = 4294967296;
const EXCEPTIONS_WITH_CODE = new Set([8, 10, 11, 12, 13, 14, 17, 21]);

/** Delivers `vector` with the return address cpu.rip. errorCode -1: none pushed. */
export function deliverEvent(cpu: CpuMem, vector: number, errorCode: number, kind: number): void {
  const ext = kind === EventKind.External || kind === EventKind.Nmi || kind === EventKind.Exception ? 1 : 0;
  if (kind !== EventKind.Exception) errorCode = -1;
  else if (!EXCEPTIONS_WITH_CODE.has(vector)) errorCode = -1;
  cpu.halted = false;
  if ((cpu.cr0 & 1) === 0) deliverReal(cpu, vector);
  else if ((cpu.efer & 0x400) !== 0) deliverLong(cpu, vector, errorCode, kind, ext);
  else deliverProtected(cpu, vector, errorCode, kind, ext);
  // A #DB/#BP/interrupt clears the shadow it ended.
  cpu.shadow = 0;
}

/** Real mode: the IVT entry vector*4 holds IP:CS; FLAGS, CS, IP are pushed; IF, TF, AC cleared. */
function deliverReal(cpu: CpuMem, vector: number): void {
  const off = vector * 4;
  if (off + 3 > cpu.idtLimit) cpu.raise(Vector.GP, vector * 8 + 2);
  const ent = cpu.read32(cpu.idtBase + off, Need.RS);
  const flags = cpu.rflags & 0xffff;
  const sp = stackPtr(cpu);
  const ssBase = cpu.segBase[Seg.SS]!;
  const mask = cpu.stack32 ? 0xffffffff : 0xffff;
  const s1 = (sp - 2) & mask;
  const s2 = (sp - 4) & mask;
  const s3 = (sp - 6) & mask;
  cpu.write16(ssBase + (s1 >>> 0), flags, Need.WS);
  cpu.write16(ssBase + (s2 >>> 0), cpu.segSel[Seg.CS]!, Need.WS);
  cpu.write16(ssBase + (s3 >>> 0), cpu.rip & 0xffff, Need.WS);
  setStackPtr(cpu, s3 >>> 0);
  cpu.rflags &= ~(RFLAGS.IF | RFLAGS.TF | RFLAGS.AC | RFLAGS.RF);
  const sel = ent >>> 16;
  cpu.segSel[Seg.CS] = sel;
  cpu.segBase[Seg.CS] = sel * 16;
  cpu.rip = ent & 0xffff;
  cpu.updateMode();
}

function stackPtr(cpu: CpuMem): number {
  return cpu.stack32 ? cpu.regs[8]! : cpu.regs[8]! & 0xffff;
}

function setStackPtr(cpu: CpuMem, v: number): void {
  if (cpu.stack32) cpu.regs[8] = v >>> 0;
  else cpu.regs[8] = (cpu.regs[8]! & 0xffff0000) | (v & 0xffff);
}

/** Reads the IDT gate and applies the checks common to protected and IA-32e mode. */
function readGate(cpu: CpuMem, vector: number, kind: number, ext: number, long: boolean): void {
  const size = long ? 16 : 8;
  const idtErr = vector * 8 + 2 + ext;
  if (vector * size + size - 1 > cpu.idtLimit) cpu.raise(Vector.GP, idtErr);
  const la = cpu.idtBase + vector * size;
  const lo = cpu.sysRead32(la);
  const hi = cpu.sysRead32(la + 4);
  if (long) decodeGate64(lo, hi, cpu.sysRead32(la + 8), gate);
  else decodeGate32(lo, hi, gate);
  const t = gate.type;
  const ok = long
    ? t === SysType.IntGate32 || t === SysType.TrapGate32
    : t === SysType.IntGate32 || t === SysType.TrapGate32 || t === SysType.IntGate16 || t === SysType.TrapGate16;
  // Task gates (type 5) are not supported by this CPU: treated as an invalid gate type.
  if (!ok || (hi & 0x1000) !== 0) cpu.raise(Vector.GP, idtErr);
  // "If the DPL of the gate is less than the CPL, #GP(vector*8+2)" for INT n/INT3/INTO only.
  if (kind === EventKind.Software && gate.dpl < cpu.cpl) cpu.raise(Vector.GP, vector * 8 + 2);
  if (!gate.present) cpu.raise(Vector.NP, idtErr);
}

function deliverLong(cpu: CpuMem, vector: number, errorCode: number, kind: number, ext: number): void {
  readGate(cpu, vector, kind, ext, true);
  const target = gate.offset;
  const gateType = gate.type;
  const ist = gate.ist;
  const d = checkIntCs(cpu, gate.selector, ext);
  // "If the target code segment is not a 64-bit code segment, #GP(selector)".
  if (!d.l || d.db) cpu.raise(Vector.GP, (gate.selector & 0xfffc) + ext);
  const conforming = (d.type & 4) !== 0;
  const oldCpl = cpu.cpl;
  const newCpl = conforming ? oldCpl : d.dpl;
  let rsp = cpu.reg64(4);
  const trBase = cpu.segBase[Seg.TR]!;
  if (ist !== 0) {
    const o = 0x24 + (ist - 1) * 8;
    rsp = (cpu.sysRead32(trBase + o + 4) | 0) * TWO32 + cpu.sysRead32(trBase + o);
  } else if (newCpl < oldCpl) {
    const o = 4 + newCpl * 8;
    rsp = (cpu.sysRead32(trBase + o + 4) | 0) * TWO32 + cpu.sysRead32(trBase + o);
  }
  // "The processor aligns the new RSP to a 16-byte boundary" before pushing the 64-bit frame.
  rsp -= ((rsp % 16) + 16) % 16;
  const need = newCpl === 3 ? Need.WU : Need.WS;
  const frame = errorCode >= 0 ? 6 : 5;
  const top = rsp - frame * 8;
  if (top < -CANONICAL_BOUND || rsp > CANONICAL_BOUND) cpu.raise(Vector.SS, ext);
  const rf = cpu.rflags;
  let p = rsp;
  p -= 8;
  cpu.write64(p, cpu.segSel[Seg.SS]!, 0, need);
  p -= 8;
  cpu.write64(p, cpu.regs[8]!, cpu.regs[9]!, need);
  p -= 8;
  cpu.write64(p, rf >>> 0, 0, need);
  p -= 8;
  cpu.write64(p, cpu.segSel[Seg.CS]!, 0, need);
  p -= 8;
  cpu.write64(p, cpu.rip >>> 0, Math.floor(cpu.rip / TWO32) >>> 0, need);
  if (errorCode >= 0) {
    p -= 8;
    cpu.write64(p, errorCode >>> 0, 0, need);
  }
  // Commit.
  if (newCpl !== oldCpl) {
    // "The new SS is set to NULL ... with RPL = new CPL" on a privilege change in 64-bit mode.
    setNullSeg(cpu, Seg.SS, newCpl);
    cpu.segAttr[Seg.SS] = Attr.Unusable | (newCpl << Attr.DplShift) | Attr.P | Attr.S | 3;
  }
  cpu.setReg64(4, p);
  setCs(cpu, gate.selector, d, newCpl);
  finishFlags(cpu, gateType);
  cpu.rip = target;
}

function deliverProtected(cpu: CpuMem, vector: number, errorCode: number, kind: number, ext: number): void {
  readGate(cpu, vector, kind, ext, false);
  const target = gate.offset;
  const gateType = gate.type;
  const gate32 = (gateType & 8) !== 0;
  const d = checkIntCs(cpu, gate.selector, ext);
  const csDesc = { ...d };
  const conforming = (d.type & 4) !== 0;
  const oldCpl = cpu.cpl;
  const newCpl = conforming ? oldCpl : d.dpl;
  const width = gate32 ? 4 : 2;
  const oldSs = cpu.segSel[Seg.SS]!;
  const oldEsp = cpu.regs[8]!;
  let ssBase = cpu.segBase[Seg.SS]!;
  let esp = stackPtr(cpu);
  let stack32 = cpu.stack32;
  let newSs = -1;
  let ssDesc = segScratch;
  if (newCpl < oldCpl) {
    // Inner privilege: SS:ESP for the new CPL come from the TSS (32-bit TSS: ESPn at 4+8n, SSn at 8+8n).
    const trBase = cpu.segBase[Seg.TR]!;
    const tss32 = (cpu.segAttr[Seg.TR]! & 0xf) >= 9;
    if (tss32) {
      esp = cpu.sysRead32(trBase + 4 + newCpl * 8);
      newSs = cpu.sysRead32(trBase + 8 + newCpl * 8) & 0xffff;
    } else {
      esp = cpu.read16(trBase + 2 + newCpl * 4, Need.RS);
      newSs = cpu.read16(trBase + 4 + newCpl * 4, Need.RS);
    }
    if ((newSs & 0xfffc) === 0) cpu.raise(Vector.TS, ext);
    ssDesc = { ...segScratch };
    if (!readDescriptor(cpu, newSs, ssDesc)) cpu.raise(Vector.TS, (newSs & 0xfffc) + ext);
    if ((newSs & 3) !== newCpl || ssDesc.dpl !== newCpl || !ssDesc.s || (ssDesc.type & 0xa) !== 2)
      cpu.raise(Vector.TS, (newSs & 0xfffc) + ext);
    if (!ssDesc.present) cpu.raise(Vector.SS, (newSs & 0xfffc) + ext);
    ssBase = ssDesc.base;
    stack32 = ssDesc.db !== 0;
  }
  const need = newCpl === 3 ? Need.WU : Need.WS;
  const mask = stack32 ? 0xffffffff : 0xffff;
  let p = esp;
  const push = (v: number): void => {
    p = (p - width) & mask;
    const la = (ssBase + (p >>> 0)) % TWO32;
    if (width === 4) cpu.write32(la, v >>> 0, need);
    else cpu.write16(la, v & 0xffff, need);
  };
  if (newSs >= 0) {
    push(oldSs);
    push(oldEsp);
  }
  push(cpu.rflags);
  push(cpu.segSel[Seg.CS]!);
  push(cpu.rip);
  if (errorCode >= 0) push(errorCode);
  if (newSs >= 0) {
    setSegCache(cpu, Seg.SS, newSs, ssDesc);
    cpu.segAttr[Seg.SS] |= 1;
  }
  cpu.stack32 = stack32;
  if (stack32) cpu.regs[8] = p >>> 0;
  else cpu.regs[8] = (cpu.regs[8]! & 0xffff0000) | (p & 0xffff);
  setCs(cpu, gate.selector, csDesc, newCpl);
  finishFlags(cpu, gateType);
  cpu.rip = gate32 ? target : target & 0xffff;
}

/** "The processor clears the TF, VM, RF and NT flags ... an interrupt gate also clears IF." */
function finishFlags(cpu: CpuMem, gateType: number): void {
  let f = cpu.rflags & ~(RFLAGS.TF | RFLAGS.VM | RFLAGS.RF | RFLAGS.NT);
  if ((gateType & 1) === 0) f &= ~RFLAGS.IF;
  cpu.rflags = f;
  cpu.updateMode();
}
