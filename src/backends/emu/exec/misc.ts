// Hints, fences and cache control: NOP PAUSE LFENCE MFENCE SFENCE CLFLUSH PREFETCH WAIT, and the defined
// invalid opcodes UD0 UD1 UD2 ("Raises an invalid opcode exception in all operating modes").
// One vCPU thread executes instructions in order, so fences and cache flushes have nothing to do; CLFLUSH
// still checks its operand like a byte read ("#GP/#SS/#PF as for a memory access").
import { CR0 } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear } from '../cpu/operands.js';
import { Compile, Op, opsCompiled } from '../decode/ops.js';

const nothing: ExecFn = () => {};

export function registerMisc(t: ExecFn[]): void {
  // NOP PAUSE LFENCE MFENCE SFENCE PREFETCH: their rows say so (a memory operand is not accessed).
  for (const op of opsCompiled(Compile.Nothing)) t[op] = nothing;
  t[Op.CLFLUSH] = (cpu, insn) => {
    cpu.translate(memLinear(cpu, insn, 1, false), cpu.needR);
  };
  // WAIT/FWAIT: "#NM if CR0.MP and CR0.TS are both set".
  t[Op.WAIT] = (cpu: Cpu) => {
    if ((cpu.cr0 & (CR0.MP | CR0.TS)) === (CR0.MP | CR0.TS)) cpu.raise(Vector.NM);
  };
  for (const op of [Op.UD0, Op.UD1, Op.UD2]) t[op] = (cpu) => cpu.raise(Vector.UD);
}
