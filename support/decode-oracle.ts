// The iced-x86 oracle for the decoder: random byte strings decoded by both, compared on validity, length,
// operation and every explicit operand (registers, memory base/index/scale/disp/segment, immediates,
// branch targets). Shared by test/emu/decode/oracle.test.ts (a sample) and scripts/decoder-oracle.ts.
import { Code, CodeExt, Decoder, Instruction, Mnemonic, OpKind, Register } from 'iced-x86';
import { decode } from '../src/backends/emu/decode/decoder.js';
import { createInsn, DecodeMode, type Insn, Opnd, Reg } from '../src/backends/emu/decode/insn.js';
import { DecodeStatus } from '../src/backends/emu/decode/status.js';
import { descImm, descOpndSize, Imm, Op, opName, Size } from '../src/backends/emu/decode/table.js';

export interface OracleResult {
  bitness: number;
  cases: number;
  /** iced valid, an instruction our table claims: compared field by field. */
  compared: number;
  /** Both say invalid (#UD or > 15 bytes). */
  bothInvalid: number;
  /** iced valid but a mnemonic/encoding we do not support (we must then report #UD or skip): by mnemonic. */
  skipped: Map<string, number>;
  skippedTotal: number;
  diffCount: number;
  diffs: string[];
}

/** Op name -> the iced mnemonics it covers (default: the op name capitalised). */
const ALIASES: Record<string, string[]> = {
  JCC: ['Jo', 'Jno', 'Jb', 'Jae', 'Je', 'Jne', 'Jbe', 'Ja', 'Js', 'Jns', 'Jp', 'Jnp', 'Jl', 'Jge', 'Jle', 'Jg'],
  SETCC: ['Seto', 'Setno', 'Setb', 'Setae', 'Sete', 'Setne', 'Setbe', 'Seta'],
  CMOVCC: ['Cmovo', 'Cmovno', 'Cmovb', 'Cmovae', 'Cmove', 'Cmovne', 'Cmovbe', 'Cmova'],
  CBW: ['Cbw', 'Cwde', 'Cdqe'],
  CWD: ['Cwd', 'Cdq', 'Cqo'],
  MOVS: ['Movsb', 'Movsw', 'Movsd', 'Movsq'],
  CMPS: ['Cmpsb', 'Cmpsw', 'Cmpsd', 'Cmpsq'],
  STOS: ['Stosb', 'Stosw', 'Stosd', 'Stosq'],
  LODS: ['Lodsb', 'Lodsw', 'Lodsd', 'Lodsq'],
  SCAS: ['Scasb', 'Scasw', 'Scasd', 'Scasq'],
  INS: ['Insb', 'Insw', 'Insd'],
  OUTS: ['Outsb', 'Outsw', 'Outsd'],
  IRET: ['Iret', 'Iretd', 'Iretq'],
  XLAT: ['Xlatb'],
  SYSRET: ['Sysret', 'Sysretq'],
  SYSEXIT: ['Sysexit', 'Sysexitq'],
  FXSAVE: ['Fxsave', 'Fxsave64'],
  FXRSTOR: ['Fxrstor', 'Fxrstor64'],
  XSAVE: ['Xsave', 'Xsave64'],
  XRSTOR: ['Xrstor', 'Xrstor64'],
  WBINVD: ['Wbinvd', 'Wbnoinvd'],
  PUSHA: ['Pusha', 'Pushad'],
  POPA: ['Popa', 'Popad'],
  PUSHF: ['Pushf', 'Pushfd', 'Pushfq'],
  POPF: ['Popf', 'Popfd', 'Popfq'],
  JRCXZ: ['Jcxz', 'Jecxz', 'Jrcxz'],
  CALLF: ['Call'],
  JMPF: ['Jmp'],
  MOV_CR: ['Mov'],
  MOV_DR: ['Mov'],
  MOV_SEG: ['Mov'],
  IMUL1: ['Imul'],
  IMUL2: ['Imul'],
  IMUL3: ['Imul'],
  SHL: ['Shl', 'Sal'],
  NOP: ['Nop', 'Reservednop', 'Endbr32', 'Endbr64'],
  PREFETCH: ['Prefetch', 'Prefetchw', 'Prefetchnta', 'Prefetcht0', 'Prefetcht1', 'Prefetcht2'],
  MOVD: ['Movd', 'Movq'],
};
for (const cc of ['s', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']) {
  ALIASES.SETCC.push(`Set${cc}`);
  ALIASES.CMOVCC.push(`Cmov${cc}`);
}
const cap = (s: string): string => s[0] + s.slice(1).toLowerCase();
const OP_MNEMONICS: string[][] = [];
const CLAIMED = new Set<string>();
for (const [name, id] of Object.entries(Op)) {
  if (id === Op.INVALID) continue;
  const m = ALIASES[name] ?? [cap(name)];
  OP_MNEMONICS[id] = m;
  for (const x of m) CLAIMED.add(x);
}
/** Ops whose operands are implicit for us (iced lists them): compared on length and op only. */
const IMPLICIT = new Set<number>([Op.MOVS, Op.CMPS, Op.STOS, Op.LODS, Op.SCAS, Op.INS, Op.OUTS, Op.XLAT]);
/** SSE/MMX-register codes are claimed only for the ops we list (no MMX forms). */
const SSE_OPS = new Set([
  'Movaps',
  'Movups',
  'Movdqa',
  'Movdqu',
  'Movd',
  'Movq',
  'Movntdq',
  'Movntps',
  'Pxor',
  'Xorps',
]);

const MNEMONIC_OF: string[] = [];
function mnemonicOf(code: number): string {
  let m = MNEMONIC_OF[code];
  if (m === undefined) {
    const info = CodeExt.opCode(code);
    m = Mnemonic[info.mnemonic];
    info.free();
    MNEMONIC_OF[code] = m;
  }
  return m;
}
function isClaimed(code: number): boolean {
  const name = Code[code];
  if (/^(VEX|EVEX|XOP|MVEX)_/.test(name)) return false;
  const m = mnemonicOf(code);
  if (!CLAIMED.has(m)) return false;
  const parts = name.split('_');
  if (parts.some((p) => p.startsWith('mm'))) return false; // MMX forms
  if (parts.some((p) => p.startsWith('xmm')) && !SSE_OPS.has(m)) return false; // SSE forms of shared mnemonics
  return true;
}

const N8 = ['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH'];
const N8REX = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL'];
const N16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
const N32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const N64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI'];
const SEG = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

function gpr(n: number, size: number, rex: number): string {
  if (n === Reg.RIP) return size === 8 ? 'RIP' : 'EIP';
  if (size === 1) return n >= 8 ? `R${n}L` : rex ? N8REX[n] : N8[n];
  if (size === 2) return n >= 8 ? `R${n}W` : N16[n];
  if (size === 4) return n >= 8 ? `R${n}D` : N32[n];
  return n >= 8 ? `R${n}` : N64[n];
}

function sizeOf(letter: number, osize: number): number {
  switch (letter) {
    case Size.B:
      return 1;
    case Size.W:
      return 2;
    case Size.D:
      return 4;
    case Size.Q:
      return 8;
    case Size.Z:
      return Math.min(osize, 4);
    case Size.X:
      return 16;
    default:
      return osize;
  }
}

const mask = (v: bigint, bytes: number): bigint => BigInt.asUintN(bytes * 8, v);

function ourMem(insn: Insn): string {
  const a = insn.asize;
  let disp = BigInt(insn.disp);
  if (insn.base === Reg.RIP) disp += BigInt(insn.len);
  const base = insn.base < 0 ? '-' : gpr(insn.base, a, 1);
  const index = insn.index < 0 ? '-' : gpr(insn.index, a, 1);
  const seg = insn.seg < 0 ? '-' : SEG[insn.seg];
  return `[${seg}:${base}+${index}*${insn.index < 0 ? 1 : insn.scale}+${mask(disp, a)}]`;
}

function ourOperands(insn: Insn): string[] {
  const out: string[] = [];
  const kinds = [insn.o1, insn.o2, insn.o3];
  for (let i = 0; i < 3; i++) {
    const k = kinds[i];
    if (k === Opnd.None) break;
    const size = sizeOf(descOpndSize[insn.desc * 3 + i], insn.osize);
    const isMem = insn.mod !== 3;
    switch (k) {
      case Opnd.E:
      case Opnd.M:
        out.push(isMem ? ourMem(insn) : gpr(insn.rm, size, insn.rex));
        break;
      case Opnd.W:
        out.push(isMem ? ourMem(insn) : `XMM${insn.rm}`);
        break;
      case Opnd.G:
        out.push(gpr(insn.reg, size, insn.rex));
        break;
      case Opnd.V:
        out.push(`XMM${insn.reg}`);
        break;
      case Opnd.Z:
        out.push(gpr(insn.zreg, size, insn.rex));
        break;
      case Opnd.Acc:
        out.push(gpr(0, size, insn.rex));
        break;
      case Opnd.CL:
        out.push('CL');
        break;
      case Opnd.DX:
        out.push('DX');
        break;
      case Opnd.SReg:
        out.push(SEG[insn.reg]);
        break;
      case Opnd.CReg:
        out.push(`CR${insn.reg}`);
        break;
      case Opnd.DReg:
        out.push(`DR${insn.reg}`);
        break;
      case Opnd.One:
        out.push('i:1');
        break;
      case Opnd.Moffs: {
        const off = BigInt(insn.disp >>> 0) | (BigInt(insn.dispHi >>> 0) << 32n);
        out.push(`[${insn.seg < 0 ? '-' : SEG[insn.seg]}:-+-*1+${mask(off, insn.asize)}]`);
        break;
      }
      case Opnd.I:
        if (descImm[insn.desc] === Imm.Ap) {
          out.push(`far:${insn.imm2}:${insn.imm >>> 0}`);
          i++;
        } else out.push(`i:${mask(BigInt(insn.imm >>> 0) | (BigInt(insn.immHi >>> 0) << 32n), size)}`);
        break;
      case Opnd.I2:
        out.push(`i:${insn.imm2 & 0xff}`);
        break;
      case Opnd.Rel:
        out.push(`b:${mask(BigInt(insn.len + insn.imm), insn.osize)}`);
        break;
      default:
        out.push(`?${k}`);
    }
  }
  return out;
}

const IMM_BYTES: Partial<Record<number, number>> = {
  [OpKind.Immediate8]: 1,
  [OpKind.Immediate8_2nd]: 1,
  [OpKind.Immediate16]: 2,
  [OpKind.Immediate32]: 4,
  [OpKind.Immediate64]: 8,
  [OpKind.Immediate8to16]: 2,
  [OpKind.Immediate8to32]: 4,
  [OpKind.Immediate8to64]: 8,
  [OpKind.Immediate32to64]: 8,
};

function icedOperands(x: Instruction, bitness: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < x.opCount; i++) {
    const k = x.opKind(i);
    if (k === OpKind.Register) out.push(Register[x.opRegister(i)]);
    else if (k === OpKind.Memory) {
      const seg = x.segmentPrefix === Register.None ? '-' : Register[x.segmentPrefix];
      const base = x.memoryBase === Register.None ? '-' : Register[x.memoryBase];
      const index = x.memoryIndex === Register.None ? '-' : Register[x.memoryIndex];
      const a = x.memoryDisplSize === 8 || bitness === 64 ? 8 : 4;
      const asz = /^(E|R)/.test(base)
        ? base[0] === 'E'
          ? 4
          : 8
        : /^(E|R)/.test(index)
          ? index[0] === 'E'
            ? 4
            : 8
          : a;
      const bytes = /^(BX|BP|SI|DI)$/.test(base) || /^(SI|DI)$/.test(index) ? 2 : asz;
      out.push(
        `[${seg}:${base}+${index}*${index === '-' ? 1 : x.memoryIndexScale}+${mask(x.memoryDisplacementU64, bytes)}]`,
      );
    } else if (k === OpKind.NearBranch16) out.push(`b:${x.nearBranch16}`);
    else if (k === OpKind.NearBranch32) out.push(`b:${x.nearBranch32 >>> 0}`);
    else if (k === OpKind.NearBranch64) out.push(`b:${x.nearBranch64}`);
    else if (k === OpKind.FarBranch16) out.push(`far:${x.farBranchSelector}:${x.farBranch16}`);
    else if (k === OpKind.FarBranch32) out.push(`far:${x.farBranchSelector}:${x.farBranch32 >>> 0}`);
    else if (IMM_BYTES[k] !== undefined) out.push(`i:${mask(x.immediate(i), IMM_BYTES[k]!)}`);
    else out.push(`kind${k}`);
  }
  return out;
}

const SUFFIX_SIZE: Record<string, number> = { b: 1, w: 2, d: 4, q: 8 };
const SIZED_MNEMONIC = /^(Movs|Cmps|Stos|Lods|Scas|Ins|Outs)[bwdq]$/;
const CBW_SIZE: Record<string, number> = { Cbw: 2, Cwde: 4, Cdqe: 8, Cwd: 2, Cdq: 4, Cqo: 8 };
const CX_SIZE: Record<string, number> = { CX: 2, ECX: 4, RCX: 8, Jcxz: 2, Jecxz: 4, Jrcxz: 8 };
const sized = { o: 0, a: 0 };

/** Operand/address sizes implied by an iced Code name where no explicit operand shows them: the size
 *  suffix of Pushw_ES / Retnq / Iretd / Movsb..., CBW-family names, and near-branch/LOOP/JrCXZ forms. */
function impliedSizes(codeName: string, mnemonic: string): { o: number; a: number } {
  const parts = codeName.split('_');
  const first = parts[0];
  sized.o = 0;
  sized.a = 0;
  if (CBW_SIZE[first]) sized.o = CBW_SIZE[first];
  else if (SIZED_MNEMONIC.test(first)) sized.o = SUFFIX_SIZE[first[first.length - 1]];
  else if (first !== mnemonic && first.startsWith(mnemonic) && SUFFIX_SIZE[first[first.length - 1]]) {
    sized.o = SUFFIX_SIZE[first[first.length - 1]];
  } else if (first === mnemonic && /^(Iret|Pusha|Popa|Pushf|Popf)[wdq]$/.test(first)) {
    sized.o = SUFFIX_SIZE[first[first.length - 1]];
  }
  // LGDT/SGDT/LIDT/SIDT: m1632_16 (16-bit operand size: 24-bit base), m1632, m1664 (64-bit mode).
  if (/^[LS][GI]DT$/i.test(first) && parts[1]?.startsWith('m16')) {
    sized.o = parts[1] === 'm1664' ? 8 : parts[2] === '16' ? 2 : 4;
  }
  // PUSH/POP/CALL/JMP r/m: the operand size of memory forms too; far indirect m1616/m1632/m1664.
  if (/^(Push|Pop|Call|Jmp)$/.test(first) && /^rm(16|32|64)$/.test(parts[1] ?? ''))
    sized.o = Number(parts[1].slice(2)) / 8;
  if (/^(Call|Jmp)$/.test(first) && /^m16(16|32|64)$/.test(parts[1] ?? '')) sized.o = Number(parts[1].slice(3)) / 8;
  // MONITOR's suffix names its address size (rAX is an address).
  if (mnemonic === 'Monitor') {
    sized.a = sized.o;
    sized.o = 0;
  }
  if (parts[1]?.startsWith('rel') && /^(16|32|64)$/.test(parts[2] ?? '')) sized.o = Number(parts[2]) / 8;
  if (CX_SIZE[parts[3] ?? '']) sized.a = CX_SIZE[parts[3]];
  if (/^J[er]?cxz$/.test(mnemonic)) sized.a = CX_SIZE[mnemonic];
  return sized;
}

/** xorshift32: a small seeded PRNG so every run compares the same strings. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const PREFIXES = [0x66, 0x66, 0x67, 0xf2, 0xf3, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65];

/** Random instruction bytes biased towards valid encodings: prefixes, REX, a map escape, then a random tail. */
export function randomInsnBytes(rand: () => number, bitness: number, buf: Uint8Array): void {
  for (let i = 0; i < buf.length; i++) buf[i] = rand() & 0xff;
  let p = 0;
  const r = rand();
  const npfx = r % 16 < 8 ? 0 : r % 16 < 12 ? 1 : r % 16 < 15 ? 2 : 4;
  for (let i = 0; i < npfx; i++) buf[p++] = PREFIXES[rand() % PREFIXES.length];
  if (bitness === 64 && rand() % 5 < 2) buf[p++] = 0x40 | (rand() & 15);
  const m = rand() % 40;
  if (m < 12) buf[p++] = 0x0f;
  else if (m === 12) {
    buf[p++] = 0x0f;
    buf[p++] = 0x38;
  } else if (m === 13) {
    buf[p++] = 0x0f;
    buf[p++] = 0x3a;
  }
  // Bias ModRM towards register forms and the SIB/disp-free memory forms a quarter of the time.
  if (rand() % 4 === 0) buf[p + 1] = 0xc0 | (rand() & 0x3f);
}

const MODES: Record<number, number> = { 16: DecodeMode.Prot16, 32: DecodeMode.Prot32, 64: DecodeMode.Long64 };

export function runDecoderOracle(bitness: 16 | 32 | 64, count: number, seed: number, maxDiffs = 25): OracleResult {
  const res: OracleResult = {
    bitness,
    cases: 0,
    compared: 0,
    bothInvalid: 0,
    skipped: new Map(),
    skippedTotal: 0,
    diffCount: 0,
    diffs: [],
  };
  const rand = prng(seed);
  const buf = new Uint8Array(15);
  const fetch = (o: number): number => buf[o];
  const insn = createInsn();
  const x = new Instruction();
  const mode = MODES[bitness];
  const hex = (): string => Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const diff = (why: string): void => {
    res.diffCount++;
    if (res.diffs.length < maxDiffs) res.diffs.push(`${bitness}-bit ${hex()}: ${why}`);
  };
  for (let c = 0; c < count; c++) {
    randomInsnBytes(rand, bitness, buf);
    res.cases++;
    const st = decode(fetch, mode, insn);
    const dec = new Decoder(bitness, buf, 0);
    dec.decodeOut(x);
    dec.free();
    const codeName = Code[x.code];
    if (x.code === Code.INVALID) {
      if (st === DecodeStatus.Ok) diff(`iced invalid, we decoded ${opName(insn.op)} len ${insn.len}`);
      else res.bothInvalid++;
      continue;
    }
    if (!isClaimed(x.code)) {
      const m = mnemonicOf(x.code);
      // Not ours to compare in detail, but decoding it as something of another length would be wrong.
      if (st === DecodeStatus.Ok && insn.len !== x.length) {
        diff(`iced ${codeName} '${x.toString()}' len ${x.length}: we decoded ${opName(insn.op)} len ${insn.len}`);
        continue;
      }
      res.skipped.set(m, (res.skipped.get(m) ?? 0) + 1);
      res.skippedTotal++;
      continue;
    }
    const what = `iced ${codeName} '${x.toString()}' len ${x.length}`;
    if (st !== DecodeStatus.Ok) {
      diff(`${what}: we report ${st === DecodeStatus.UD ? '#UD' : '#GP'}`);
      continue;
    }
    res.compared++;
    if (insn.len !== x.length) {
      diff(`${what}: our len ${insn.len} (${opName(insn.op)})`);
      continue;
    }
    if (!OP_MNEMONICS[insn.op].includes(mnemonicOf(x.code))) {
      diff(`${what}: our op ${opName(insn.op)}`);
      continue;
    }
    const sz = impliedSizes(Code[x.code], mnemonicOf(x.code));
    if ((sz.o && sz.o !== insn.osize) || (sz.a && sz.a !== insn.asize)) {
      diff(`${what}: our osize ${insn.osize} asize ${insn.asize}, iced ${sz.o || '-'} / ${sz.a || '-'}`);
      continue;
    }
    if (IMPLICIT.has(insn.op)) continue;
    const ours = ourOperands(insn).join(', ');
    const theirs = icedOperands(x, bitness).join(', ');
    if (ours !== theirs) diff(`${what}: operands ours (${ours}) iced (${theirs})`);
  }
  x.free();
  return res;
}

export function formatOracle(r: OracleResult): string {
  const top = [...r.skipped.entries()].sort((a, b) => b[1] - a[1]);
  const lines = [
    `${r.bitness}-bit: ${r.cases} strings, ${r.compared} compared, ${r.bothInvalid} invalid for both, ` +
      `${r.skippedTotal} skipped (${top.length} unsupported mnemonics), ${r.diffCount} differences`,
    `  skipped by mnemonic: ${top
      .slice(0, 40)
      .map(([m, n]) => `${m}:${n}`)
      .join(' ')}${top.length > 40 ? ' ...' : ''}`,
    ...r.diffs.map((d) => `  DIFF ${d}`),
  ];
  return lines.join('\n');
}
