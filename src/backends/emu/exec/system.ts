// Privileged and identification instructions: HLT INVLPG WBINVD INVD CPUID RDTSC RDTSCP RDMSR WRMSR RDPMC
// RDPID XGETBV (SDM vol. 2). HLT leaves run() with KVM_EXIT_HLT and rip after it, as KVM does without an
// in-kernel irqchip.
import { CR4 } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { PendingExit } from '../cpu/mmu.js';
import { rdmsr, tsc, wrmsr } from '../cpu/msr.js';
import { memLinear, setReg } from '../cpu/operands.js';
import { cpuidLookup } from '../cpuid.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const TWO32 = 4294967296;
const out4 = new Uint32Array(4);

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
}

function hlt(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.exitKind = PendingExit.Hlt;
}

/** CPUID: EAX/EBX/ECX/EDX from the leaf table (upper halves cleared). Leaf 1 EBX[31:24] is the APIC id. */
function cpuid(cpu: Cpu): void {
  const r = cpu.regs;
  cpuidLookup(cpu.cpuid, r[0]!, r[2]!, out4);
  r[0] = out4[0]!;
  r[6] = out4[1]!;
  r[2] = out4[2]!;
  r[4] = out4[3]!;
  r[1] = r[7] = r[3] = r[5] = 0;
}

/** RDTSC: "#GP(0) if CR4.TSD = 1 and CPL > 0"; EDX:EAX = TSC. */
function rdtsc(cpu: Cpu): void {
  if ((cpu.cr4 & CR4.TSD) !== 0 && cpu.cpl > 0) cpu.raise(Vector.GP, 0);
  const t = tsc(cpu);
  setReg(cpu, 0, 4, t >>> 0, 0, 1);
  setReg(cpu, 2, 4, Math.floor(t / TWO32) >>> 0, 0, 1);
}

/** RDTSCP: RDTSC plus ECX = IA32_TSC_AUX. */
function rdtscp(cpu: Cpu): void {
  rdtsc(cpu);
  setReg(cpu, 1, 4, cpu.tscAux >>> 0, 0, 1);
}

function rdmsrOp(cpu: Cpu): void {
  requireCpl0(cpu);
  const lo = rdmsr(cpu, cpu.regs[2]!);
  const hi = cpu.hi;
  setReg(cpu, 0, 4, lo, 0, 1);
  setReg(cpu, 2, 4, hi, 0, 1);
}

function wrmsrOp(cpu: Cpu): void {
  requireCpl0(cpu);
  wrmsr(cpu, cpu.regs[2]!, cpu.regs[0]!, cpu.regs[4]!);
}

/** INVLPG: "#GP(0) if CPL > 0"; the operand's linear address is not accessed. */
function invlpg(cpu: Cpu, insn: Insn): void {
  requireCpl0(cpu);
  const la = memLinear(cpu, insn, 1, false);
  cpu.invlpg(la);
}

export function registerSystem(t: ExecFn[]): void {
  t[Op.HLT] = hlt;
  t[Op.CPUID] = cpuid;
  t[Op.RDTSC] = rdtsc;
  t[Op.RDTSCP] = rdtscp;
  t[Op.RDMSR] = rdmsrOp;
  t[Op.WRMSR] = wrmsrOp;
  t[Op.INVLPG] = invlpg;
  t[Op.WBINVD] = requireCpl0;
  t[Op.INVD] = requireCpl0;
  // RDPMC: performance counters are not virtualized: "#GP(0) if ECX does not name a valid counter".
  t[Op.RDPMC] = (cpu) => cpu.raise(Vector.GP, 0);
}
