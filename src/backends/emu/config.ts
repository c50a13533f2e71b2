// The emu's settings from the environment, read here and nowhere else: vcpu.ts hands them to the CPU and the
// region compiler.

export interface EmuConfig {
  /** Interpreted visits of an address before a region is compiled there (jit/compile.ts); 0: the interpreter
   *  alone. GUESTDBG_EMU_JIT sets it: a number, or "off". */
  readonly jitThreshold: number;
  /** GUESTDBG_EMU_JIT_DUMP=<file>: every region's JavaScript is appended to that file (for compiler work). */
  readonly jitDump: string | undefined;
}

export const EMU_CONFIG: EmuConfig = {
  jitThreshold: jitThresholdFromEnv(process.env.GUESTDBG_EMU_JIT),
  jitDump: process.env.GUESTDBG_EMU_JIT_DUMP,
};

function jitThresholdFromEnv(v: string | undefined): number {
  if (v === undefined || v === '') return 16;
  if (v === 'off') return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : 16;
}
