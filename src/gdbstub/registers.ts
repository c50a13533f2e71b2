// Encoding of the `g`/`G`/`p`/`P` payloads: each register of GDB_REGS in order, little-endian, as hex.
import type { Fpu, Regs, Sregs } from '../abi/index.js';
import type { SystemRegs } from '../debugger/target.js';
import { GDB_REGS } from '../x86/gdb-regs.js';

export interface RegisterFile {
  regs: Regs;
  sregs: Sregs;
  sys: SystemRegs;
  fpu: Fpu;
}

/** Which state a register lives in: what must be written back after gdb changes it. */
export type RegisterHome = 'regs' | 'sregs' | 'fpu' | 'none';

const GPR_ORDER = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp'] as const;
const SEG_ORDER = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'] as const;
const CONTROL = ['cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer'] as const;
type Control = (typeof CONTROL)[number];

const ST0 = GDB_REGS.findIndex((r) => r.name === 'st0');
const XMM0 = GDB_REGS.findIndex((r) => r.name === 'xmm0');

function parseLE(hex: string): bigint {
  let v = 0n;
  for (let i = hex.length - 2; i >= 0; i -= 2) v = (v << 8n) | BigInt(Number.parseInt(hex.slice(i, i + 2), 16));
  return v;
}

const top = (fpu: Fpu) => (fpu.fsw >> 11) & 7;

/**
 * gdb wants the full x87 tag word (2 bits per physical register); kvm_fpu keeps FXSAVE's abridged one (1 bit:
 * empty or not). The full tag of a non-empty register follows from its value (SDM vol. 1 §8.1.7, §10.5.1.1).
 */
function fullTagWord(fpu: Fpu): number {
  let word = 0;
  for (let phys = 0; phys < 8; phys++) {
    let tag = 3; // empty
    if ((fpu.ftwx >> phys) & 1) {
      const v = fpu.fpr[(phys - top(fpu)) & 7];
      const exponent = (v[8] | (v[9] << 8)) & 0x7fff;
      const mantissaZero = v.subarray(0, 8).every((b) => b === 0);
      const integerBit = (v[7] & 0x80) !== 0;
      if (exponent === 0x7fff) tag = 2;
      else if (exponent === 0) tag = mantissaZero ? 1 : 2;
      else tag = integerBit ? 0 : 2;
    }
    word |= tag << (phys * 2);
  }
  return word;
}

function abridgedTag(full: number): number {
  let ab = 0;
  for (let phys = 0; phys < 8; phys++) if (((full >> (phys * 2)) & 3) !== 3) ab |= 1 << phys;
  return ab;
}

function fpuScalar(fpu: Fpu, name: string): bigint | undefined {
  switch (name) {
    case 'fctrl':
      return BigInt(fpu.fcw);
    case 'fstat':
      return BigInt(fpu.fsw);
    case 'ftag':
      return BigInt(fullTagWord(fpu));
    case 'fiseg':
      return (fpu.lastIp >> 32n) & 0xffffn;
    case 'fioff':
      return fpu.lastIp & 0xffffffffn;
    case 'foseg':
      return (fpu.lastDp >> 32n) & 0xffffn;
    case 'fooff':
      return fpu.lastDp & 0xffffffffn;
    case 'fop':
      return BigInt(fpu.lastOpcode);
    case 'mxcsr':
      return BigInt(fpu.mxcsr);
    default:
      return undefined;
  }
}

/** The scalar value of register n, or undefined for the byte-array ones (st, xmm). */
function registerValue(file: RegisterFile, n: number): bigint | undefined {
  const name = GDB_REGS[n].name;
  if (n < 8) return file.regs[GPR_ORDER[n]];
  if (n < 16) return file.regs[`r${n}` as keyof Regs];
  if (name === 'rip') return file.regs.rip;
  if (name === 'eflags') return file.regs.rflags;
  const seg = SEG_ORDER.indexOf(name as (typeof SEG_ORDER)[number]);
  if (seg >= 0) return BigInt(file.sregs[SEG_ORDER[seg]].selector);
  if (name === 'fs_base') return file.sys.fsBase;
  if (name === 'gs_base') return file.sys.gsBase;
  if (name === 'k_gs_base') return file.sys.kernelGsBase;
  if (CONTROL.includes(name as Control)) return file.sregs[name as Control];
  return fpuScalar(file.fpu, name);
}

/** Writes register n's raw little-endian bytes into `out` at `at`; returns the byte count. */
function writeRegister(file: RegisterFile, n: number, out: Buffer, at: number): number {
  const r = GDB_REGS[n];
  const bytes = r.bits / 8;
  if (r.type === 'i387_ext' || r.type === 'vec128') {
    // An x87 value is the low 10 bytes (bits = 80) of its 16-byte FXSAVE slot.
    const src = r.type === 'i387_ext' ? file.fpu.fpr[n - ST0] : file.fpu.xmm[n - XMM0];
    out.set(src.subarray(0, bytes), at);
    return bytes;
  }
  const v = registerValue(file, n) ?? 0n;
  if (bytes === 8) out.writeBigUInt64LE(BigInt.asUintN(64, v), at);
  else out.writeUInt32LE(Number(BigInt.asUintN(32, v)), at);
  return bytes;
}

export function encodeRegister(file: RegisterFile, n: number): string {
  const out = Buffer.alloc(GDB_REGS[n].bits / 8);
  writeRegister(file, n, out, 0);
  return out.toString('hex');
}

/** Total size of the `g` payload in bytes. */
const G_BYTES = GDB_REGS.reduce((sum, r) => sum + r.bits / 8, 0);

export function encodeAll(file: RegisterFile): string {
  const out = Buffer.alloc(G_BYTES);
  let at = 0;
  for (let n = 0; n < GDB_REGS.length; n++) at += writeRegister(file, n, out, at);
  return out.toString('hex');
}

/** Applies register n's new value to `file`; returns where it lives ('none': guestdbg cannot write it). */
export function applyRegister(file: RegisterFile, n: number, hex: string): RegisterHome {
  const r = GDB_REGS[n];
  const name = r.name;
  const v = parseLE(hex);
  const fpu = file.fpu;
  if (n < 8) file.regs[GPR_ORDER[n]] = v;
  else if (n < 16) file.regs[`r${n}` as keyof Regs] = v;
  else if (name === 'rip') file.regs.rip = v;
  else if (name === 'eflags') file.regs.rflags = v;
  else if (SEG_ORDER.includes(name as (typeof SEG_ORDER)[number])) {
    file.sregs[name as (typeof SEG_ORDER)[number]].selector = Number(v);
    return 'sregs';
  } else if (CONTROL.includes(name as Control)) {
    file.sregs[name as Control] = v;
    return 'sregs';
  } else if (r.type === 'i387_ext' || r.type === 'vec128') {
    const slot = r.type === 'i387_ext' ? fpu.fpr[n - ST0] : fpu.xmm[n - XMM0];
    slot.set(Buffer.from(hex, 'hex').subarray(0, r.bits / 8));
    return 'fpu';
  } else if (name === 'fctrl') fpu.fcw = Number(v);
  else if (name === 'fstat') fpu.fsw = Number(v);
  else if (name === 'ftag') fpu.ftwx = abridgedTag(Number(v));
  else if (name === 'fop') fpu.lastOpcode = Number(v);
  else if (name === 'mxcsr') fpu.mxcsr = Number(v);
  else return 'none';
  return name === 'fctrl' || name === 'fstat' || name === 'ftag' || name === 'fop' || name === 'mxcsr' ? 'fpu' : 'regs';
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
