// RDMSR/WRMSR (SDM vol. 4): the MSRs a PVH guest and Linux touch. "Specifying a reserved or unimplemented
// MSR address ... causes a #GP(0)"; so do reserved bits (EFER) and non-canonical bases.
import { EFER, MSR } from '../../../x86/control-regs.js';
import { CANONICAL_BOUND } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu } from './cpu.js';
import { Seg } from './state.js';

const TWO32 = 4294967296;
/** IA32_MTRRCAP, IA32_MTRR_DEF_TYPE, IA32_MISC_ENABLE-adjacent read-as-zero MSRs kernels probe. */
const MTRRCAP = 0xfe;
const MTRR_DEF_TYPE = 0x2ff;

function addr(lo: number, hi: number): number {
  return (hi | 0) * TWO32 + lo;
}

function canonical(cpu: Cpu, v: number): number {
  if (v < -CANONICAL_BOUND || v >= CANONICAL_BOUND) cpu.raise(Vector.GP, 0);
  return v;
}

/** The guest TSC: retired instructions plus the offset KVM_SET_MSRS(TSC) established. */
export function tsc(cpu: Cpu): number {
  return cpu.retired + cpu.tscOffset;
}

/** Returns the low half; the high half is left in cpu.hi. */
export function rdmsr(cpu: Cpu, index: number): number {
  let v: number;
  switch (index >>> 0) {
    case MSR.TSC:
      v = tsc(cpu);
      break;
    case MSR.APIC_BASE:
      v = cpu.apicBase;
      break;
    case MSR.MISC_ENABLE:
      v = cpu.miscEnable;
      break;
    case MSR.SYSENTER_CS:
      v = cpu.sysenterCs;
      break;
    case MSR.SYSENTER_ESP:
      v = cpu.sysenterEsp;
      break;
    case MSR.SYSENTER_EIP:
      v = cpu.sysenterEip;
      break;
    case MSR.PAT:
      cpu.hi = cpu.patHi;
      return cpu.patLo;
    case MSR.EFER:
      v = cpu.efer;
      break;
    case MSR.STAR:
      cpu.hi = cpu.starHi;
      return cpu.starLo;
    case MSR.LSTAR:
      v = cpu.lstar;
      break;
    case MSR.CSTAR:
      v = cpu.cstar;
      break;
    case MSR.SFMASK:
      v = cpu.sfmask;
      break;
    case MSR.FS_BASE:
      v = cpu.segBase[Seg.FS]!;
      break;
    case MSR.GS_BASE:
      v = cpu.segBase[Seg.GS]!;
      break;
    case MSR.KERNEL_GS_BASE:
      v = cpu.kernelGsBase;
      break;
    case MSR.TSC_AUX:
      v = cpu.tscAux;
      break;
    case MTRRCAP:
    case MTRR_DEF_TYPE:
      v = 0;
      break;
    default:
      cpu.raise(Vector.GP, 0);
  }
  cpu.hi = Math.floor(v / TWO32) >>> 0;
  return v >>> 0;
}

export function wrmsr(cpu: Cpu, index: number, lo: number, hi: number): void {
  switch (index >>> 0) {
    case MSR.TSC:
      cpu.tscOffset = hi * TWO32 + lo - cpu.retired;
      return;
    case MSR.APIC_BASE:
      cpu.apicBase = hi * TWO32 + (lo & 0xfffff900);
      return;
    case MSR.MISC_ENABLE:
      cpu.miscEnable = lo;
      return;
    case MSR.SYSENTER_CS:
      cpu.sysenterCs = lo & 0xffff;
      return;
    case MSR.SYSENTER_ESP:
      cpu.sysenterEsp = canonical(cpu, addr(lo, hi));
      return;
    case MSR.SYSENTER_EIP:
      cpu.sysenterEip = canonical(cpu, addr(lo, hi));
      return;
    case MSR.PAT:
      cpu.patLo = lo;
      cpu.patHi = hi;
      return;
    case MSR.EFER: {
      // Writable: SCE, LME, NXE; LMA is read-only; "#GP if LME changes while paging is enabled".
      const writable = EFER.SCE | EFER.LME | EFER.NXE;
      if (hi !== 0 || (lo & ~(writable | EFER.LMA)) !== 0) cpu.raise(Vector.GP, 0);
      if ((cpu.cr0 & 0x80000000) !== 0 && ((lo ^ cpu.efer) & EFER.LME) !== 0) cpu.raise(Vector.GP, 0);
      const old = cpu.efer;
      cpu.efer = (lo & writable) | (cpu.efer & EFER.LMA);
      if (((old ^ cpu.efer) & EFER.NXE) !== 0) cpu.flushTlb(true);
      cpu.updateMode();
      return;
    }
    case MSR.STAR:
      cpu.starLo = lo;
      cpu.starHi = hi;
      return;
    case MSR.LSTAR:
      cpu.lstar = canonical(cpu, addr(lo, hi));
      return;
    case MSR.CSTAR:
      cpu.cstar = canonical(cpu, addr(lo, hi));
      return;
    case MSR.SFMASK:
      cpu.sfmask = lo;
      return;
    case MSR.FS_BASE:
      cpu.segBase[Seg.FS] = canonical(cpu, addr(lo, hi));
      return;
    case MSR.GS_BASE:
      cpu.segBase[Seg.GS] = canonical(cpu, addr(lo, hi));
      return;
    case MSR.KERNEL_GS_BASE:
      cpu.kernelGsBase = canonical(cpu, addr(lo, hi));
      return;
    case MSR.TSC_AUX:
      cpu.tscAux = lo;
      return;
    case MTRR_DEF_TYPE:
      return;
    default:
      cpu.raise(Vector.GP, 0);
  }
}
