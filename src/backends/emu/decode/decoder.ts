// The decoder: bytes -> Insn, driven only by the compiled opcode table (table.ts). It fills a
// caller-owned Insn (no allocation per instruction) and reports faults as a DecodeStatus return value.
//
// Conventions of the filled Insn beyond insn.ts:
// - Memory operands: disp is the sign-extended displacement (int32); the effective address is
//   base + index*scale + disp truncated to asize bytes. RIP-relative (64-bit mode, mod=00 rm=101):
//   base = Reg.RIP and disp is relative to the NEXT instruction (address = rip + insn.len + disp).
//   16-bit forms (asize 2): base/index are the BX/BP/SI/DI pairs of SDM table 2-1 (e.g. [BP+DI] is
//   base RBP, index RDI, scale 1); [disp16] has base -1.
// - Moffs (A0-A3): disp/dispHi hold the absolute offset, unsigned, asize bytes wide.
// - Immediates: imm is the low 32 bits, unsigned, of the value extended to 64 bits as the table says
//   (Ibs sign-extends, Iz sign-extends to 64 with REX.W, Iv with REX.W is a full imm64); immHi the high
//   32 bits. Mask to insn.osize. Rel: imm is the signed displacement (int32), relative to the next
//   instruction. Far pointers (Ap): imm = offset, imm2 = selector. ENTER: imm = size, imm2 = level.
// - Fixed segment registers (PUSH ES ..., o1 = SReg): insn.reg = SegReg. MOV Sw: insn.reg = ModRM.reg
//   (REX.R ignored). JCC/SETCC/CMOVCC: the condition is insn.opcode & 0xF.
// - In 64-bit mode ES/CS/SS/DS overrides are recorded (unless FS/GS came first) though their base is 0.
import type { Insn } from './insn.js';
import { DecodeMode, Opnd, Pfx, Reg } from './insn.js';
import type { ByteFetch } from './status.js';
import { DecodeStatus } from './status.js';
import {
  descFixedSeg,
  descFlags,
  descImm,
  descOp,
  descOpnd,
  descSize,
  F,
  HAS_MODRM,
  Imm,
  LOOKUP32,
  LOOKUP64,
  Op,
  RM_SPLIT,
  RM_SPLIT_MARK,
  Size,
  XCHG_90_REXB,
} from './table.js';

/** "The maximum length of an Intel 64 and IA-32 instruction remains 15 bytes" (SDM vol. 2 §2.3.11). */
const MAX_LEN = 15;
/** Thrown internally (never escapes decode) when a 16th byte would be needed. */
const TOO_LONG: unique symbol = Symbol('instruction longer than 15 bytes');

let src: ByteFetch = () => 0;
let pos = 0;

function next(): number {
  if (pos >= MAX_LEN) throw TOO_LONG;
  return src(pos++) & 0xff;
}

/** 16-bit ModRM.rm -> base/index (SDM vol. 2 table 2-1). */
const RM16_BASE = [Reg.RBX, Reg.RBX, Reg.RBP, Reg.RBP, Reg.RSI, Reg.RDI, Reg.RBP, Reg.RBX];
const RM16_INDEX = [Reg.RSI, Reg.RDI, Reg.RSI, Reg.RDI, -1, -1, -1, -1];

/** CR0, CR2, CR3, CR4 and CR8 exist. */
const CR_EXISTS = [1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];

function fail(insn: Insn, status: DecodeStatus): DecodeStatus {
  insn.op = Op.INVALID;
  insn.desc = -1;
  insn.len = pos;
  insn.o1 = Opnd.None;
  insn.o2 = Opnd.None;
  insn.o3 = Opnd.None;
  return status;
}

/**
 * Decode one instruction. fetch(i) returns the byte at instruction start + i (and may throw the CPU's
 * page fault, which propagates). Returns DecodeStatus.Ok, UD (insn.op = Op.INVALID) or GP (> 15 bytes).
 */
export function decode(fetch: ByteFetch, mode: number, insn: Insn): DecodeStatus {
  src = fetch;
  pos = 0;
  insn.map = 0;
  insn.opcode = 0;
  try {
    return decodeBody(mode, insn);
  } catch (e) {
    if (e === TOO_LONG) {
      pos = MAX_LEN;
      return fail(insn, DecodeStatus.GP);
    }
    throw e;
  }
}

function decodeBody(mode: number, insn: Insn): DecodeStatus {
  const long = mode === DecodeMode.Long64;
  let prefixes = 0;
  let seg = -1;
  let rex = 0;
  let lastRep = 0;
  let b = 0;
  // Legacy prefixes in any order; "a REX prefix ... must immediately precede the opcode byte or the escape
  // opcode byte (0FH) ... other placements are ignored" (SDM vol. 2 §2.2.1).
  for (;;) {
    b = next();
    switch (b) {
      case 0x26:
      case 0x2e:
      case 0x36:
      case 0x3e:
        // 64-bit mode: "the ES, DS, and SS segment overrides are ignored"; FS/GS stay in force.
        if (!long || seg < 4) seg = (b >> 3) & 3;
        rex = 0;
        continue;
      case 0x64:
      case 0x65:
        seg = b - 0x60;
        rex = 0;
        continue;
      case 0x66:
        prefixes |= Pfx.OpSize;
        rex = 0;
        continue;
      case 0x67:
        prefixes |= Pfx.AdSize;
        rex = 0;
        continue;
      case 0xf0:
        prefixes |= Pfx.Lock;
        rex = 0;
        continue;
      case 0xf2:
        prefixes |= Pfx.Repne;
        lastRep = 0xf2;
        rex = 0;
        continue;
      case 0xf3:
        prefixes |= Pfx.Rep;
        lastRep = 0xf3;
        rex = 0;
        continue;
    }
    if (long && (b & 0xf0) === 0x40) {
      rex = b;
      continue;
    }
    break;
  }

  let map = 0;
  if (b === 0x0f) {
    b = next();
    if (b === 0x38) {
      map = 2;
      b = next();
    } else if (b === 0x3a) {
      map = 3;
      b = next();
    } else map = 1;
  }
  const opcode = b;
  insn.map = map;
  insn.opcode = opcode;
  const base = map * 256 + opcode;
  // Mandatory prefix: the last F2/F3 given, else 66 (SDM vol. 2 §2.1.2, 66/F2/F3 as opcode extensions).
  const slot = lastRep === 0xf3 ? 2 : lastRep === 0xf2 ? 3 : prefixes & Pfx.OpSize ? 1 : 0;
  const table = long ? LOOKUP64 : LOOKUP32;
  let modrm = -1;
  let idx: number;
  if (HAS_MODRM[base]) {
    modrm = next();
    idx = (((base * 4 + slot) * 8 + ((modrm >> 3) & 7)) * 2 + (modrm >= 0xc0 ? 1 : 0)) | 0;
  } else idx = (base * 4 + slot) * 16;
  let d = table[idx];
  if (d === RM_SPLIT_MARK) d = RM_SPLIT.get((idx * 8 + (modrm & 7)) * 2 + (long ? 1 : 0)) ?? -1;
  // "NOP ... 90: XCHG rAX, rAX; with REX.B, XCHG r8, rAX" (SDM XCHG: 90+rd with REX.B names R8).
  if (base === 0x90 && rex & 1 && slot !== 2) d = XCHG_90_REXB;
  if (d < 0) return fail(insn, DecodeStatus.UD);
  const flags = descFlags[d];
  const isReg = modrm >= 0xc0 || (flags & F.ModReg) !== 0;
  // "LOCK ... #UD if the destination operand is not a memory operand or the instruction is not lockable."
  if (prefixes & Pfx.Lock && (!(flags & F.Lock) || isReg)) return fail(insn, DecodeStatus.UD);

  // Operand size (SDM vol. 1 §3.6, vol. 2 §2.2.1.2: REX.W > 66; d64/f64 defaults in 64-bit mode).
  const o66 = (prefixes & Pfx.OpSize) !== 0 && (flags & F.Sse66) === 0;
  const w = (rex & 8) !== 0;
  let osize: number;
  switch (descSize[d]) {
    case Size.B:
      osize = 1;
      break;
    case Size.W:
      osize = 2;
      break;
    case Size.D:
      osize = 4;
      break;
    case Size.Q:
      osize = 8;
      break;
    case Size.Y:
      osize = long && w ? 8 : 4;
      break;
    case Size.CR:
      osize = long ? 8 : 4;
      break;
    default: {
      if (long) osize = w || flags & F.F64 ? 8 : o66 ? 2 : flags & F.D64 ? 8 : 4;
      else osize = (mode === DecodeMode.Prot32) !== o66 ? 4 : 2;
      if (descSize[d] === Size.Z && osize === 8) osize = 4;
    }
  }
  const a67 = (prefixes & Pfx.AdSize) !== 0;
  const asize = long ? (a67 ? 4 : 8) : (mode === DecodeMode.Prot32) !== a67 ? 4 : 2;

  insn.op = flags & F.WNext && w ? descOp[d] + 1 : descOp[d];
  insn.desc = d;
  insn.osize = osize;
  insn.asize = asize;
  insn.prefixes = prefixes;
  insn.mandatory = slot === 0 ? 0 : slot === 1 ? 0x66 : lastRep;
  insn.seg = seg;
  insn.rex = rex;
  const o1 = descOpnd[d * 3];
  const o2 = descOpnd[d * 3 + 1];
  insn.o1 = o1;
  insn.o2 = o2;
  insn.o3 = descOpnd[d * 3 + 2];
  insn.zreg = (opcode & 7) | ((rex & 1) << 3);
  insn.base = -1;
  insn.index = -1;
  insn.scale = 1;
  insn.disp = 0;
  insn.dispHi = 0;
  insn.imm = 0;
  insn.immHi = 0;
  insn.imm2 = 0;

  if (modrm < 0) {
    insn.mod = -1;
    insn.reg = Math.max(descFixedSeg[d], 0);
    insn.rm = 0;
  } else {
    const mod = modrm >> 6;
    const rm = modrm & 7;
    insn.mod = isReg ? 3 : mod;
    insn.rm = rm | ((rex & 1) << 3);
    if (flags & F.SReg) {
      // Sreg encodings 6 and 7 are reserved (#UD); "MOV CS, r/m is invalid (#UD)".
      const sr = (modrm >> 3) & 7;
      if (sr > 5 || (sr === 1 && o1 === Opnd.SReg)) return fail(insn, DecodeStatus.UD);
      insn.reg = sr;
    } else insn.reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    // MOV CR: "#UD if an attempt is made to access CR1, CR5, CR6, or CR7" (and CR9-15); MOV DR: "#UD if
    // REX.R is set" (DR8-15 do not exist).
    if (flags & F.CrDr && (o1 === Opnd.CReg || o2 === Opnd.CReg ? !CR_EXISTS[insn.reg] : insn.reg > 7)) {
      return fail(insn, DecodeStatus.UD);
    }
    if (!isReg) {
      if (asize === 2) {
        if (mod === 0 && rm === 6) {
          insn.disp = ((next() | (next() << 8)) << 16) >> 16;
        } else {
          insn.base = RM16_BASE[rm];
          insn.index = RM16_INDEX[rm];
          if (mod === 1) insn.disp = (next() << 24) >> 24;
          else if (mod === 2) insn.disp = ((next() | (next() << 8)) << 16) >> 16;
        }
      } else {
        let baseLow = rm;
        if (rm === 4) {
          const sib = next();
          insn.scale = 1 << (sib >> 6);
          const ix = ((sib >> 3) & 7) | ((rex & 2) << 2);
          // SIB.index = 100 without REX.X: "none" (no index).
          insn.index = ix === 4 ? -1 : ix;
          baseLow = sib & 7;
          if (baseLow === 5 && mod === 0) insn.disp = next32();
          else insn.base = baseLow | ((rex & 1) << 3);
        } else if (rm === 5 && mod === 0) {
          // "In 64-bit mode, ModR/M disp32 with mod=00 rm=101 is RIP + disp32" (SDM vol. 2 §2.2.1.6).
          if (long) insn.base = Reg.RIP;
          insn.disp = next32();
        } else insn.base = rm | ((rex & 1) << 3);
        if (mod === 1) insn.disp = (next() << 24) >> 24;
        else if (mod === 2) insn.disp = next32();
      }
    }
  }

  switch (descImm[d]) {
    case Imm.None:
      break;
    case Imm.Ib:
      insn.imm = next();
      break;
    case Imm.Ibs: {
      const v = (next() << 24) >> 24;
      insn.imm = v >>> 0;
      insn.immHi = v < 0 ? 0xffffffff : 0;
      break;
    }
    case Imm.Iw:
      insn.imm = next16();
      break;
    case Imm.Iz:
    case Imm.Iv:
      if (osize === 2) insn.imm = next16();
      else {
        const v = next32();
        insn.imm = v >>> 0;
        if (osize === 8) insn.immHi = descImm[d] === Imm.Iv ? next32() >>> 0 : v < 0 ? 0xffffffff : 0;
      }
      break;
    case Imm.Jb: {
      const v = (next() << 24) >> 24;
      insn.imm = v;
      insn.immHi = v < 0 ? 0xffffffff : 0;
      break;
    }
    case Imm.Jz: {
      const v = osize === 2 ? (next16() << 16) >> 16 : next32();
      insn.imm = v;
      insn.immHi = v < 0 ? 0xffffffff : 0;
      break;
    }
    case Imm.Ap:
      insn.imm = osize === 2 ? next16() : next32() >>> 0;
      insn.imm2 = next16();
      break;
    case Imm.Moffs:
      if (asize === 2) insn.disp = next16();
      else {
        insn.disp = next32() >>> 0;
        if (asize === 8) insn.dispHi = next32() >>> 0;
      }
      break;
  }
  if (flags & F.Imm2) {
    if (descImm[d] === Imm.None) insn.imm = next();
    else insn.imm2 = next();
  }
  insn.len = pos;
  return DecodeStatus.Ok;
}

function next16(): number {
  const lo = next();
  return lo | (next() << 8);
}

/** Little-endian 32 bits as an int32. */
function next32(): number {
  const b0 = next();
  const b1 = next();
  const b2 = next();
  return b0 | (b1 << 8) | (b2 << 16) | (next() << 24);
}
