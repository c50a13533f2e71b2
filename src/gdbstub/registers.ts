// Encoding of the `g`/`G`/`p`/`P` payloads: each register of GDB_REGS in order, little-endian, as hex.
import type { Regs, Sregs } from '../abi/index.js';
import type { SystemRegs } from '../debugger/target.js';
import { GDB_REGS } from '../x86/gdb-regs.js';

export interface RegisterFile {
  regs: Regs;
  sregs: Sregs;
  sys: SystemRegs;
}

const GPR_ORDER = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp'] as const;
const SEG_ORDER = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'] as const;

function hexLE(value: bigint, bytes: number): string {
  let out = '';
  let v = BigInt.asUintN(bytes * 8, value);
  for (let i = 0; i < bytes; i++) {
    out += Number(v & 0xffn)
      .toString(16)
      .padStart(2, '0');
    v >>= 8n;
  }
  return out;
}

function parseLE(hex: string): bigint {
  let v = 0n;
  for (let i = hex.length - 2; i >= 0; i -= 2) v = (v << 8n) | BigInt(Number.parseInt(hex.slice(i, i + 2), 16));
  return v;
}

/** The value of register n, or undefined where guestdbg keeps no state for it (x87/SSE for now: reads as 0). */
function registerValue(file: RegisterFile, n: number): bigint | undefined {
  const name = GDB_REGS[n].name;
  if (n < 8) return file.regs[GPR_ORDER[n]];
  if (n < 16) return file.regs[`r${n}` as keyof Regs];
  if (name === 'rip') return file.regs.rip;
  if (name === 'eflags') return file.regs.rflags;
  const seg = SEG_ORDER.indexOf(name as (typeof SEG_ORDER)[number]);
  if (seg >= 0) return BigInt(file.sregs[SEG_ORDER[seg]].selector);
  switch (name) {
    case 'fs_base':
      return file.sys.fsBase;
    case 'gs_base':
      return file.sys.gsBase;
    case 'k_gs_base':
      return file.sys.kernelGsBase;
    case 'cr0':
    case 'cr2':
    case 'cr3':
    case 'cr4':
    case 'cr8':
    case 'efer':
      return file.sregs[name];
    default:
      return undefined;
  }
}

export function encodeRegister(file: RegisterFile, n: number): string {
  return hexLE(registerValue(file, n) ?? 0n, GDB_REGS[n].bits / 8);
}

export function encodeAll(file: RegisterFile): string {
  return GDB_REGS.map((_, n) => encodeRegister(file, n)).join('');
}

/** Applies register n's new value to `file`; returns false for registers guestdbg cannot write (x87/SSE). */
export function applyRegister(file: RegisterFile, n: number, hex: string): boolean {
  const name = GDB_REGS[n].name;
  const v = parseLE(hex);
  if (n < 8) file.regs[GPR_ORDER[n]] = v;
  else if (n < 16) file.regs[`r${n}` as keyof Regs] = v;
  else if (name === 'rip') file.regs.rip = v;
  else if (name === 'eflags') file.regs.rflags = v;
  else if (SEG_ORDER.includes(name as (typeof SEG_ORDER)[number]))
    file.sregs[name as (typeof SEG_ORDER)[number]].selector = Number(v);
  else if (name === 'cr0' || name === 'cr2' || name === 'cr3' || name === 'cr4' || name === 'cr8' || name === 'efer')
    file.sregs[name] = v;
  else return false;
  return true;
}

/** Splits a `G` payload into per-register hex strings; undefined if its length is wrong. */
export function splitAll(hex: string): string[] | undefined {
  const parts: string[] = [];
  let at = 0;
  for (const r of GDB_REGS) {
    const len = r.bits / 4;
    parts.push(hex.slice(at, at + len));
    at += len;
  }
  return at === hex.length ? parts : undefined;
}
