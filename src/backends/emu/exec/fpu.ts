// x87 control (FNINIT FNSTSW FNSTCW FLDCW FNCLEX), the FXSAVE/FXRSTOR image, MXCSR, and the SSE moves and
// xors kernels use in memcpy/memset/crypto-init paths. "#NM if CR0.TS = 1 (or CR0.EM = 1 for x87)";
// SSE: "#UD if CR0.EM = 1 or CR4.OSFXSR = 0"; aligned forms "#GP(0) if the memory operand is not aligned
// on a 16-byte boundary". Arithmetic x87/SSE beyond this waits for the Linux issue (#UD, counted).
import { CR0, CR4 } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { getReg, memLinear, setReg, writeOp } from '../cpu/operands.js';
import { type Insn, Opnd } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

/** MXCSR bits a guest may set (FZ, RC, masks, flags, DAZ): MXCSR_MASK as FXSAVE reports it. */
const MXCSR_MASK = 0xffff;

function x87Check(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0.EM | CR0.TS)) !== 0) cpu.raise(Vector.NM);
}

function sseCheck(cpu: Cpu): void {
  if ((cpu.cr0 & CR0.EM) !== 0 || (cpu.cr4 & CR4.OSFXSR) === 0) cpu.raise(Vector.UD);
  if ((cpu.cr0 & CR0.TS) !== 0) cpu.raise(Vector.NM);
}

function fninit(cpu: Cpu): void {
  x87Check(cpu);
  cpu.fcw = 0x37f;
  cpu.fsw = 0;
  cpu.ftw = 0;
  cpu.fop = 0;
  cpu.fip = 0;
  cpu.fdp = 0;
}

function fnstsw(cpu: Cpu, insn: Insn): void {
  x87Check(cpu);
  if (insn.o1 === Opnd.Acc) setReg(cpu, 0, 2, cpu.fsw, 0, 1);
  else writeOp(cpu, insn, insn.o1, 2, cpu.fsw, 0, false);
}

function fnstcw(cpu: Cpu, insn: Insn): void {
  x87Check(cpu);
  writeOp(cpu, insn, insn.o1, 2, cpu.fcw, 0, false);
}

function fldcw(cpu: Cpu, insn: Insn): void {
  x87Check(cpu);
  cpu.fcw = cpu.read16(memLinear(cpu, insn, 2, false), cpu.needR) | 0x40;
}

/** FNCLEX: "clears the floating-point exception flags (PE UE OE ZE DE IE), ES, SF and B". */
function fnclex(cpu: Cpu): void {
  x87Check(cpu);
  cpu.fsw &= 0x7f00;
}

function aligned16(cpu: Cpu, la: number): void {
  if (((la % 16) + 16) % 16 !== 0) cpu.raise(Vector.GP, 0);
}

/** FXSAVE: the 512-byte image (64-bit layout with REX.W: FIP/FDP as 64-bit values). */
function fxsave(cpu: Cpu, insn: Insn): void {
  if ((cpu.cr0 & (CR0.EM | CR0.TS)) !== 0) cpu.raise(Vector.NM);
  const la = memLinear(cpu, insn, 512, true);
  aligned16(cpu, la);
  cpu.probeWrite(la, 512, cpu.needW);
  const w = cpu.needW;
  cpu.write16(la, cpu.fcw, w);
  cpu.write16(la + 2, cpu.fsw, w);
  cpu.write8(la + 4, cpu.ftw, w);
  cpu.write8(la + 5, 0, w);
  cpu.write16(la + 6, cpu.fop, w);
  cpu.write64(la + 8, cpu.fip >>> 0, Math.floor(cpu.fip / 4294967296) >>> 0, w);
  cpu.write64(la + 16, cpu.fdp >>> 0, Math.floor(cpu.fdp / 4294967296) >>> 0, w);
  cpu.write32(la + 24, cpu.mxcsr, w);
  cpu.write32(la + 28, MXCSR_MASK, w);
  for (let i = 0; i < 128; i++) cpu.write8(la + 32 + i, cpu.fpr[i]!, w);
  for (let i = 0; i < 256; i++) cpu.write8(la + 160 + i, cpu.xmm[i]!, w);
}

/** FXRSTOR: "#GP(0) if an attempt is made to set reserved MXCSR bits". */
function fxrstor(cpu: Cpu, insn: Insn): void {
  if ((cpu.cr0 & (CR0.EM | CR0.TS)) !== 0) cpu.raise(Vector.NM);
  const la = memLinear(cpu, insn, 512, false);
  aligned16(cpu, la);
  const r = cpu.needR;
  const mxcsr = cpu.read32(la + 24, r);
  if ((mxcsr & ~MXCSR_MASK) !== 0) cpu.raise(Vector.GP, 0);
  const fpr = new Uint8Array(128);
  const xmm = new Uint8Array(256);
  for (let i = 0; i < 128; i++) fpr[i] = cpu.read8(la + 32 + i, r);
  for (let i = 0; i < 256; i++) xmm[i] = cpu.read8(la + 160 + i, r);
  cpu.fcw = cpu.read16(la, r);
  cpu.fsw = cpu.read16(la + 2, r);
  cpu.ftw = cpu.read8(la + 4, r);
  cpu.fop = cpu.read16(la + 6, r) & 0x7ff;
  const ipLo = cpu.read64(la + 8, r);
  cpu.fip = (cpu.hi | 0) * 4294967296 + ipLo;
  const dpLo = cpu.read64(la + 16, r);
  cpu.fdp = (cpu.hi | 0) * 4294967296 + dpLo;
  cpu.mxcsr = mxcsr;
  cpu.fpr.set(fpr);
  cpu.xmm.set(xmm);
}

function ldmxcsr(cpu: Cpu, insn: Insn): void {
  sseCheck(cpu);
  const v = cpu.read32(memLinear(cpu, insn, 4, false), cpu.needR);
  if ((v & ~MXCSR_MASK) !== 0) cpu.raise(Vector.GP, 0);
  cpu.mxcsr = v;
}

function stmxcsr(cpu: Cpu, insn: Insn): void {
  sseCheck(cpu);
  cpu.write32(memLinear(cpu, insn, 4, true), cpu.mxcsr, cpu.needW);
}

const tmp = new Uint8Array(16);

/** Reads the 16-byte W operand (xmm register or memory) into tmp. */
function readW(cpu: Cpu, insn: Insn, align: boolean): void {
  if (insn.mod === 3) {
    tmp.set(cpu.xmm.subarray(insn.rm * 16, insn.rm * 16 + 16));
    return;
  }
  const la = memLinear(cpu, insn, 16, false);
  if (align) aligned16(cpu, la);
  for (let i = 0; i < 16; i += 4) {
    const v = cpu.read32(la + i, cpu.needR);
    tmp[i] = v & 0xff;
    tmp[i + 1] = (v >>> 8) & 0xff;
    tmp[i + 2] = (v >>> 16) & 0xff;
    tmp[i + 3] = v >>> 24;
  }
}

function writeW(cpu: Cpu, insn: Insn, align: boolean): void {
  if (insn.mod === 3) {
    cpu.xmm.set(tmp, insn.rm * 16);
    return;
  }
  const la = memLinear(cpu, insn, 16, true);
  if (align) aligned16(cpu, la);
  cpu.probeWrite(la, 16, cpu.needW);
  for (let i = 0; i < 16; i += 4) {
    cpu.write32(la + i, (tmp[i]! | (tmp[i + 1]! << 8) | (tmp[i + 2]! << 16) | (tmp[i + 3]! << 24)) >>> 0, cpu.needW);
  }
}

/** MOVAPS/MOVUPS/MOVDQA/MOVDQU/MOVNTDQ/MOVNTPS: 128-bit moves, V <- W or W <- V. */
function move128(cpu: Cpu, insn: Insn, align: boolean): void {
  sseCheck(cpu);
  if (insn.o1 === Opnd.V) {
    readW(cpu, insn, align);
    cpu.xmm.set(tmp, insn.reg * 16);
  } else {
    tmp.set(cpu.xmm.subarray(insn.reg * 16, insn.reg * 16 + 16));
    writeW(cpu, insn, align);
  }
}

/** PXOR / XORPS: V ^= W. */
function xor128(cpu: Cpu, insn: Insn): void {
  sseCheck(cpu);
  readW(cpu, insn, insn.op === Op.PXOR || insn.op === Op.XORPS);
  const base = insn.reg * 16;
  for (let i = 0; i < 16; i++) cpu.xmm[base + i]! ^= tmp[i]!;
}

/** MOVD/MOVQ between a GPR or memory (32/64 bits, REX.W) and an XMM register (zero-extended to 128). */
function movd(cpu: Cpu, insn: Insn): void {
  sseCheck(cpu);
  const size = insn.osize === 8 ? 8 : 4;
  const x = cpu.xmm;
  if (insn.o1 === Opnd.V) {
    let lo: number;
    let hi = 0;
    if (insn.mod === 3) {
      lo = getReg(cpu, insn.rm, size, insn.rex);
      if (size === 8) hi = cpu.hi;
    } else {
      const la = memLinear(cpu, insn, size, false);
      lo = cpu.readN(la, size, cpu.needR);
      if (size === 8) hi = cpu.hi;
    }
    const b = insn.reg * 16;
    x.fill(0, b, b + 16);
    put32(x, b, lo);
    put32(x, b + 4, hi);
    return;
  }
  const b = insn.reg * 16;
  const lo = get32(x, b);
  const hi = get32(x, b + 4);
  writeOp(cpu, insn, insn.o1, size, lo, size === 8 ? hi : 0, false);
}

/** MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): 64 bits, zero-extending an XMM destination. */
function movq(cpu: Cpu, insn: Insn): void {
  sseCheck(cpu);
  const x = cpu.xmm;
  let lo: number;
  let hi: number;
  const src = insn.o1 === Opnd.V ? -1 : insn.reg;
  if (src < 0) {
    if (insn.mod === 3) {
      lo = get32(x, insn.rm * 16);
      hi = get32(x, insn.rm * 16 + 4);
    } else {
      lo = cpu.read64(memLinear(cpu, insn, 8, false), cpu.needR);
      hi = cpu.hi;
    }
    const b = insn.reg * 16;
    x.fill(0, b, b + 16);
    put32(x, b, lo);
    put32(x, b + 4, hi);
    return;
  }
  lo = get32(x, src * 16);
  hi = get32(x, src * 16 + 4);
  if (insn.mod === 3) {
    const b = insn.rm * 16;
    x.fill(0, b, b + 16);
    put32(x, b, lo);
    put32(x, b + 4, hi);
  } else cpu.write64(memLinear(cpu, insn, 8, true), lo, hi, cpu.needW);
}

function put32(a: Uint8Array, at: number, v: number): void {
  a[at] = v & 0xff;
  a[at + 1] = (v >>> 8) & 0xff;
  a[at + 2] = (v >>> 16) & 0xff;
  a[at + 3] = v >>> 24;
}

function get32(a: Uint8Array, at: number): number {
  return (a[at]! | (a[at + 1]! << 8) | (a[at + 2]! << 16) | (a[at + 3]! << 24)) >>> 0;
}

export function registerFpu(t: ExecFn[]): void {
  t[Op.FNINIT] = fninit;
  t[Op.FNSTSW] = fnstsw;
  t[Op.FNSTCW] = fnstcw;
  t[Op.FLDCW] = fldcw;
  t[Op.FNCLEX] = fnclex;
  t[Op.FXSAVE] = fxsave;
  t[Op.FXRSTOR] = fxrstor;
  t[Op.LDMXCSR] = ldmxcsr;
  t[Op.STMXCSR] = stmxcsr;
  t[Op.MOVAPS] = (cpu, insn) => move128(cpu, insn, true);
  t[Op.MOVDQA] = (cpu, insn) => move128(cpu, insn, true);
  t[Op.MOVNTDQ] = (cpu, insn) => move128(cpu, insn, true);
  t[Op.MOVNTPS] = (cpu, insn) => move128(cpu, insn, true);
  t[Op.MOVUPS] = (cpu, insn) => move128(cpu, insn, false);
  t[Op.MOVDQU] = (cpu, insn) => move128(cpu, insn, false);
  t[Op.PXOR] = xor128;
  t[Op.XORPS] = xor128;
  t[Op.MOVD] = movd;
  t[Op.MOVQ] = movq;
}
