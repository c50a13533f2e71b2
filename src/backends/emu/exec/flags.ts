// Flag instructions: CLC STC CMC CLD STD SAHF LAHF, CLI STI (with the STI interrupt shadow), CLAC STAC.
import { InterruptShadow } from '../../../abi/constants.js';
import { CR4, RFLAGS } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { Op } from '../decode/ops.js';

/** SAHF loads SF ZF AF PF CF from AH; LAHF stores them (bit 1 reads 1). */
const SAHF_MASK = 0xd5;

/** CLI/STI: "#GP(0) if CPL > IOPL" in protected mode (VME/PVI not supported). */
function checkIopl(cpu: Cpu): void {
  if ((cpu.cr0 & 1) !== 0 && cpu.cpl > ((cpu.rflags >>> 12) & 3)) cpu.raise(Vector.GP, 0);
}

function sti(cpu: Cpu): void {
  checkIopl(cpu);
  // "If IF = 0, maskable hardware interrupts remain inhibited on the instruction boundary following STI."
  if ((cpu.rflags & RFLAGS.IF) === 0) cpu.shadow = InterruptShadow.Sti;
  cpu.rflags |= RFLAGS.IF;
}

/** CLAC/STAC: "#UD if CPL > 0 or CR4.SMAP = 0" (SMAP is not advertised, so they are #UD). */
function acOp(cpu: Cpu, set: boolean): void {
  if ((cpu.cr4 & CR4.SMAP) === 0 || cpu.cpl > 0) cpu.raise(Vector.UD);
  if (set) cpu.rflags |= RFLAGS.AC;
  else cpu.rflags &= ~RFLAGS.AC;
}

export function registerFlags(t: ExecFn[]): void {
  t[Op.CLC] = (cpu) => {
    cpu.rflags &= ~RFLAGS.CF;
  };
  t[Op.STC] = (cpu) => {
    cpu.rflags |= RFLAGS.CF;
  };
  t[Op.CMC] = (cpu) => {
    cpu.rflags ^= RFLAGS.CF;
  };
  t[Op.CLD] = (cpu) => {
    cpu.rflags &= ~RFLAGS.DF;
  };
  t[Op.STD] = (cpu) => {
    cpu.rflags |= RFLAGS.DF;
  };
  t[Op.SAHF] = (cpu) => {
    cpu.rflags = (cpu.rflags & ~SAHF_MASK) | ((cpu.regs[0]! >>> 8) & SAHF_MASK);
  };
  t[Op.LAHF] = (cpu) => {
    cpu.regs[0] = (cpu.regs[0]! & 0xffff00ff) | (((cpu.rflags & SAHF_MASK) | 2) << 8);
  };
  t[Op.CLI] = (cpu) => {
    checkIopl(cpu);
    cpu.rflags &= ~RFLAGS.IF;
  };
  t[Op.STI] = sti;
  t[Op.CLAC] = (cpu) => acOp(cpu, false);
  t[Op.STAC] = (cpu) => acOp(cpu, true);
}
