// Fast system calls and FS/GS bases: SYSCALL SYSRET SWAPGS SYSENTER SYSEXIT RDFSBASE RDGSBASE WRFSBASE
// WRGSBASE (SDM vol. 2). SYSCALL/SYSRET load fixed flat descriptors from STAR, not from the GDT.
import { CR4, EFER, RFLAGS } from '../../../x86/control-regs.js';
import { Attr } from '../../../x86/descriptors.js';
import { CANONICAL_BOUND } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { setReg } from '../cpu/operands.js';
import { Seg } from '../cpu/state.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const TWO32 = 4294967296;
/** Flat segments SYSCALL/SYSRET/SYSENTER/SYSEXIT load: code exec/read accessed, data read/write accessed. */
const CODE = Attr.P | Attr.S | 0xb | Attr.G;
const DATA = Attr.P | Attr.S | 0x3 | Attr.G | Attr.DB;

function flat(cpu: Cpu, seg: number, sel: number, attr: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0xffffffff;
  cpu.segAttr[seg] = attr;
}

/** SYSCALL: "#UD if IA32_EFER.SCE = 0 or not in IA-32e mode". RCX = next RIP, R11 = RFLAGS,
 *  RFLAGS &= ~IA32_FMASK (and RF cleared), CS = STAR[47:32], SS = STAR[47:32] + 8, CPL 0. */
function syscall(cpu: Cpu): void {
  if ((cpu.efer & EFER.SCE) === 0 || (cpu.efer & EFER.LMA) === 0) cpu.raise(Vector.UD);
  const next = cpu.nextRip;
  cpu.setReg64(1, next);
  setReg(cpu, 11, 8, cpu.rflags & ~RFLAGS.RF, 0, 1);
  const sel = cpu.starHi & 0xffff;
  const target = cpu.long64 ? cpu.lstar : cpu.cstar;
  flat(cpu, Seg.CS, sel & 0xfffc, CODE | Attr.L);
  flat(cpu, Seg.SS, (sel + 8) & 0xfffc, DATA);
  cpu.rflags = (cpu.rflags & ~cpu.sfmask & ~RFLAGS.RF) | 2;
  cpu.cpl = 0;
  cpu.updateMode();
  cpu.nextRip = target;
}

/** SYSRET: "#UD if SCE = 0; #GP(0) if CPL != 0 or RCX is not canonical". REX.W returns to 64-bit code
 *  (CS = STAR[63:48] + 16), otherwise to compatibility mode (CS = STAR[63:48]); SS = STAR[63:48] + 8;
 *  RFLAGS = R11 (RF, VM cleared), CPL 3. */
function sysret(cpu: Cpu, insn: Insn): void {
  if ((cpu.efer & EFER.SCE) === 0) cpu.raise(Vector.UD);
  if (!cpu.long64 || cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
  const to64 = insn.osize === 8;
  const target = to64 ? cpu.reg64(1) : cpu.regs[2]!;
  if (to64 && (target < -CANONICAL_BOUND || target >= CANONICAL_BOUND)) cpu.raise(Vector.GP, 0);
  const base = cpu.starHi >>> 16;
  if (to64) flat(cpu, Seg.CS, ((base + 16) & 0xfffc) | 3, CODE | Attr.L | (3 << Attr.DplShift));
  else flat(cpu, Seg.CS, (base & 0xfffc) | 3, CODE | Attr.DB | (3 << Attr.DplShift));
  flat(cpu, Seg.SS, ((base + 8) & 0xfffc) | 3, DATA | (3 << Attr.DplShift));
  cpu.rflags = ((cpu.regs[22]! & 0x3c7fd7) | 2) >>> 0;
  cpu.cpl = 3;
  cpu.updateMode();
  cpu.nextRip = target;
}

/** SWAPGS: "#UD outside 64-bit mode; #GP(0) if CPL != 0"; exchanges GS.base with IA32_KERNEL_GS_BASE. */
function swapgs(cpu: Cpu): void {
  if (!cpu.long64) cpu.raise(Vector.UD);
  if (cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
  const t = cpu.segBase[Seg.GS]!;
  cpu.segBase[Seg.GS] = cpu.kernelGsBase;
  cpu.kernelGsBase = t;
}

/** SYSENTER: "#GP(0) if IA32_SYSENTER_CS = 0 or in real mode"; CS = SYSENTER_CS, SS = +8, CPL 0. */
function sysenter(cpu: Cpu): void {
  if ((cpu.cr0 & 1) === 0 || (cpu.sysenterCs & 0xfffc) === 0) cpu.raise(Vector.GP, 0);
  const long = (cpu.efer & EFER.LMA) !== 0;
  const cs = cpu.sysenterCs & 0xfffc;
  flat(cpu, Seg.CS, cs, CODE | (long ? Attr.L : Attr.DB));
  flat(cpu, Seg.SS, cs + 8, DATA);
  cpu.rflags &= ~(RFLAGS.VM | RFLAGS.IF | RFLAGS.RF);
  cpu.cpl = 0;
  cpu.updateMode();
  if (long) cpu.setReg64(4, cpu.sysenterEsp);
  else cpu.regs[8] = cpu.sysenterEsp >>> 0;
  cpu.nextRip = long ? cpu.sysenterEip : cpu.sysenterEip >>> 0;
}

/** SYSEXIT: "#GP(0) if SYSENTER_CS = 0, CPL != 0 or real mode"; CS = +16 (+32 with REX.W), SS = +24 (+40),
 *  rIP = rDX, rSP = rCX, CPL 3. */
function sysexit(cpu: Cpu, insn: Insn): void {
  if ((cpu.cr0 & 1) === 0 || (cpu.sysenterCs & 0xfffc) === 0 || cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
  const w = insn.osize === 8;
  const cs = cpu.sysenterCs & 0xfffc;
  const target = w ? cpu.reg64(2) : cpu.regs[4]!;
  if (w && (target < -CANONICAL_BOUND || target >= CANONICAL_BOUND)) cpu.raise(Vector.GP, 0);
  flat(cpu, Seg.CS, (cs + (w ? 32 : 16)) | 3, CODE | (w ? Attr.L : Attr.DB) | (3 << Attr.DplShift));
  flat(cpu, Seg.SS, (cs + (w ? 40 : 24)) | 3, DATA | (3 << Attr.DplShift));
  cpu.cpl = 3;
  cpu.updateMode();
  if (w) cpu.setReg64(4, cpu.reg64(1));
  else cpu.regs[8] = cpu.regs[2]!;
  cpu.nextRip = target;
}

/** RD/WR FS/GS BASE: "#UD if CR4.FSGSBASE = 0"; WR* "#GP(0) if the source is not canonical". */
function fsgs(cpu: Cpu, insn: Insn, seg: number, write: boolean): void {
  if ((cpu.cr4 & CR4.FSGSBASE) === 0) cpu.raise(Vector.UD);
  const size = insn.osize;
  const r = insn.rm;
  if (write) {
    const v = size === 8 ? cpu.reg64(r) : cpu.regs[2 * r]!;
    if (v < -CANONICAL_BOUND || v >= CANONICAL_BOUND) cpu.raise(Vector.GP, 0);
    cpu.segBase[seg] = v;
    return;
  }
  const b = cpu.segBase[seg]!;
  setReg(cpu, r, size, b >>> 0, Math.floor(b / TWO32) >>> 0, insn.rex);
}

export function registerSyscall(t: ExecFn[]): void {
  t[Op.SYSCALL] = syscall;
  t[Op.SYSRET] = sysret;
  t[Op.SWAPGS] = swapgs;
  t[Op.SYSENTER] = sysenter;
  t[Op.SYSEXIT] = sysexit;
  t[Op.RDFSBASE] = (cpu, insn) => fsgs(cpu, insn, Seg.FS, false);
  t[Op.RDGSBASE] = (cpu, insn) => fsgs(cpu, insn, Seg.GS, false);
  t[Op.WRFSBASE] = (cpu, insn) => fsgs(cpu, insn, Seg.FS, true);
  t[Op.WRGSBASE] = (cpu, insn) => fsgs(cpu, insn, Seg.GS, true);
}
