// GDB's amd64 register numbering (gdb/features/i386/64bit-core.xml, 64bit-sse.xml, 64bit-segments.xml) plus the
// system registers kernel debuggers expect (k_gs_base, cr0-cr8, efer; the same names QEMU's stub uses).
// The order here IS the order of the `g` packet and of `p n`; target.xml is generated from it.

export type GdbRegType = 'int64' | 'int32' | 'data_ptr' | 'code_ptr' | 'i386_eflags' | 'i387_ext' | 'vec128' | 'int';

export interface GdbReg {
  name: string;
  bits: 32 | 64 | 80 | 128;
  type: GdbRegType;
  feature: 'core' | 'sse' | 'segments' | 'sys';
  group?: 'float' | 'vector' | 'system';
}

const gpr = (name: string, type: GdbRegType = 'int64'): GdbReg => ({ name, bits: 64, type, feature: 'core' });
const seg = (name: string): GdbReg => ({ name, bits: 32, type: 'int32', feature: 'core' });
const fctl = (name: string): GdbReg => ({ name, bits: 32, type: 'int', feature: 'core', group: 'float' });
const sys = (name: string): GdbReg => ({ name, bits: 64, type: 'int64', feature: 'sys', group: 'system' });

export const GDB_REGS: readonly GdbReg[] = [
  gpr('rax'),
  gpr('rbx'),
  gpr('rcx'),
  gpr('rdx'),
  gpr('rsi'),
  gpr('rdi'),
  gpr('rbp', 'data_ptr'),
  gpr('rsp', 'data_ptr'),
  ...Array.from({ length: 8 }, (_, i) => gpr(`r${i + 8}`)),
  gpr('rip', 'code_ptr'),
  { name: 'eflags', bits: 32, type: 'i386_eflags', feature: 'core' },
  seg('cs'),
  seg('ss'),
  seg('ds'),
  seg('es'),
  seg('fs'),
  seg('gs'),
  ...Array.from({ length: 8 }, (_, i): GdbReg => ({ name: `st${i}`, bits: 80, type: 'i387_ext', feature: 'core' })),
  ...['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'].map(fctl),
  ...Array.from({ length: 16 }, (_, i): GdbReg => ({ name: `xmm${i}`, bits: 128, type: 'vec128', feature: 'sse' })),
  { name: 'mxcsr', bits: 32, type: 'int', feature: 'sse', group: 'vector' },
  { name: 'fs_base', bits: 64, type: 'int64', feature: 'segments' },
  { name: 'gs_base', bits: 64, type: 'int64', feature: 'segments' },
  ...['k_gs_base', 'cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer'].map(sys),
];

/** Register number of a name, for `p`/`P` handling and tests. */
export function gdbRegNumber(name: string): number {
  const n = GDB_REGS.findIndex((r) => r.name === name);
  if (n < 0) throw new Error(`no gdb register named ${name}`);
  return n;
}
