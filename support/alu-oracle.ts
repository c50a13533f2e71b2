// The host-CPU oracle for exec/alu/*.ts: every instruction form at every size runs natively (a generated
// x86-64 harness assembled with gcc) on random operands and input flags; our pure functions run on the
// same inputs; results and the six arithmetic flags are compared (including SDM-"undefined" flags, except
// the documented exclusions in HOST_INCONSISTENT).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Op } from '../src/backends/emu/decode/ops.js';
import {
  aluOut,
  binop,
  bitOp,
  bsf,
  bsr,
  bswap,
  dec,
  div,
  idiv,
  imul1,
  imul2,
  inc,
  lzcnt,
  mul,
  neg,
  not,
  popcnt,
  sext32,
  shift,
  shld,
  shrd,
  tzcnt,
} from '../src/backends/emu/exec/alu/index.js';
import { prng } from './decode-oracle.js';

export const ARITH_FLAGS = 0x8d5;
export const FLAG_NAMES: [number, string][] = [
  [0x1, 'CF'],
  [0x4, 'PF'],
  [0x10, 'AF'],
  [0x40, 'ZF'],
  [0x80, 'SF'],
  [0x800, 'OF'],
];

type Kind =
  | 'bin'
  | 'un'
  | 'shift'
  | 'dshift'
  | 'mul'
  | 'imul2'
  | 'div'
  | 'bt'
  | 'scan'
  | 'bswap'
  | 'xadd'
  | 'cmpxchg'
  | 'cbw'
  | 'cwd';
export interface Form {
  name: string;
  kind: Kind;
  op: number;
  size: number;
  asm: string;
}

const A = ['', 'al', 'ax', '', 'eax', '', '', '', 'rax'];
const B = ['', 'bl', 'bx', '', 'ebx', '', '', '', 'rbx'];

/** Every form compared, by family and size. */
export function allForms(): Form[] {
  const forms: Form[] = [];
  const add = (kind: Kind, op: number, mn: string, sizes: number[], tmpl: (a: string, b: string) => string) => {
    for (const s of sizes) forms.push({ name: `${mn}${s * 8}`, kind, op, size: s, asm: tmpl(A[s], B[s]) });
  };
  const all = [1, 2, 4, 8];
  const wide = [2, 4, 8];
  for (const [op, mn] of [
    [Op.ADD, 'add'],
    [Op.OR, 'or'],
    [Op.ADC, 'adc'],
    [Op.SBB, 'sbb'],
    [Op.AND, 'and'],
    [Op.SUB, 'sub'],
    [Op.XOR, 'xor'],
    [Op.CMP, 'cmp'],
    [Op.TEST, 'test'],
  ] as const)
    add('bin', op, mn, all, (a, b) => `${mn} ${a}, ${b}`);
  for (const [op, mn] of [
    [Op.INC, 'inc'],
    [Op.DEC, 'dec'],
    [Op.NEG, 'neg'],
    [Op.NOT, 'not'],
  ] as const)
    add('un', op, mn, all, (a) => `${mn} ${a}`);
  for (const [op, mn] of [
    [Op.ROL, 'rol'],
    [Op.ROR, 'ror'],
    [Op.RCL, 'rcl'],
    [Op.RCR, 'rcr'],
    [Op.SHL, 'shl'],
    [Op.SHR, 'shr'],
    [Op.SAR, 'sar'],
  ] as const)
    add('shift', op, mn, all, (a) => `${mn} ${a}, cl`);
  add('dshift', Op.SHLD, 'shld', wide, (a, b) => `shld ${a}, ${b}, cl`);
  add('dshift', Op.SHRD, 'shrd', wide, (a, b) => `shrd ${a}, ${b}, cl`);
  add('mul', Op.MUL, 'mul', all, (_a, b) => `mul ${b}`);
  add('mul', Op.IMUL1, 'imul', all, (_a, b) => `imul ${b}`);
  add('imul2', Op.IMUL2, 'imul2_', wide, (a, b) => `imul ${a}, ${b}`);
  add('div', Op.DIV, 'div', all, (_a, b) => `div ${b}`);
  add('div', Op.IDIV, 'idiv', all, (_a, b) => `idiv ${b}`);
  for (const [op, mn] of [
    [Op.BT, 'bt'],
    [Op.BTS, 'bts'],
    [Op.BTR, 'btr'],
    [Op.BTC, 'btc'],
  ] as const)
    add('bt', op, mn, wide, (a, b) => `${mn} ${a}, ${b}`);
  for (const [op, mn] of [
    [Op.BSF, 'bsf'],
    [Op.BSR, 'bsr'],
    [Op.TZCNT, 'tzcnt'],
    [Op.LZCNT, 'lzcnt'],
    [Op.POPCNT, 'popcnt'],
  ] as const)
    add('scan', op, mn, wide, (a, b) => `${mn} ${a}, ${b}`);
  add('bswap', Op.BSWAP, 'bswap', [4, 8], (a) => `bswap ${a}`);
  // BSWAP with a 16-bit operand ("undefined"): encoded by hand, as assemblers refuse it.
  add('bswap', Op.BSWAP, 'bswap', [2], () => '.byte 0x66, 0x0f, 0xc8');
  add('xadd', Op.XADD, 'xadd', all, (a, b) => `xadd ${a}, ${b}`);
  // CMPXCHG r/m, r with the accumulator: dest = rbx-sized, src = rcx-sized.
  const C = ['', 'cl', 'cx', '', 'ecx', '', '', '', 'rcx'];
  for (const s of all)
    forms.push({ name: `cmpxchg${s * 8}`, kind: 'cmpxchg', op: Op.CMPXCHG, size: s, asm: `cmpxchg ${B[s]}, ${C[s]}` });
  forms.push({ name: 'cbw', kind: 'cbw', op: Op.CBW, size: 2, asm: 'cbw' });
  forms.push({ name: 'cwde', kind: 'cbw', op: Op.CBW, size: 4, asm: 'cwde' });
  forms.push({ name: 'cdqe', kind: 'cbw', op: Op.CBW, size: 8, asm: 'cdqe' });
  forms.push({ name: 'cwd', kind: 'cwd', op: Op.CWD, size: 2, asm: 'cwd' });
  forms.push({ name: 'cdq', kind: 'cwd', op: Op.CWD, size: 4, asm: 'cdq' });
  forms.push({ name: 'cqo', kind: 'cwd', op: Op.CWD, size: 8, asm: 'cqo' });
  return forms;
}

function harnessSources(forms: Form[]): { asm: string[]; c: string } {
  const asm = ['.intel_syntax noprefix', '.text'];
  forms.forEach((f, i) => {
    asm.push(
      `.globl f_${i}`,
      `f_${i}:`,
      '  push rbx',
      '  mov rax, [rdi]',
      '  mov rbx, [rdi+8]',
      '  mov rcx, [rdi+16]',
      '  mov rdx, [rdi+24]',
      '  push qword ptr [rdi+32]',
      '  popfq',
      `  ${f.asm}`,
      '  pushfq',
      '  pop qword ptr [rdi+56]',
      '  mov [rdi+40], rax',
      '  mov [rdi+48], rdx',
      '  pop rbx',
      '  ret',
    );
  });
  asm.push('.section .note.GNU-stack,"",@progbits', '');
  const decls = forms.map((_, i) => `void f_${i}(uint64_t *io);`).join('\n');
  const table = forms.map((_, i) => `f_${i}`).join(', ');
  const c = `#include <stdint.h>
#include <stdio.h>
${decls}
static void (*const forms[])(uint64_t *) = { ${table} };
int main(void) {
  static uint64_t in[6], io[8];
  while (fread(in, 8, 6, stdin) == 6) {
    for (int i = 0; i < 5; i++) io[i] = in[i + 1];
    forms[in[0]](io);
    fwrite(&io[5], 8, 3, stdout);
  }
  return 0;
}
`;
  return { asm, c: c };
}

/** Builds the harness; returns its path, or a reason it cannot be built (gcc missing). */
export function buildHarness(forms: Form[]): { exe?: string; dir?: string; why?: string } {
  const probe = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { why: 'gcc not found (apt-get install gcc)' };
  const dir = mkdtempSync(join(tmpdir(), 'alu-oracle-'));
  const { asm, c } = harnessSources(forms);
  writeFileSync(join(dir, 'forms.s'), asm.join('\n'));
  writeFileSync(join(dir, 'main.c'), c);
  const exe = join(dir, 'harness');
  const r = spawnSync('gcc', ['-O1', '-o', exe, join(dir, 'main.c'), join(dir, 'forms.s')], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`harness build failed: ${r.stderr}`);
  }
  return { exe, dir };
}

export interface Case {
  form: number;
  a: bigint;
  b: bigint;
  c: bigint;
  d: bigint;
  flags: bigint;
}

const M64 = (1n << 64n) - 1n;

function randomValue(rand: () => number): bigint {
  const r = rand() % 16;
  const full = (BigInt(rand()) << 32n) | BigInt(rand());
  switch (r) {
    case 0:
      return 0n;
    case 1:
      return BigInt(rand() % 4);
    case 2:
      return M64;
    case 3:
      return 1n << BigInt(rand() % 64);
    case 4:
      return (1n << BigInt(rand() % 64)) - 1n;
    case 5:
      return M64 ^ (1n << BigInt(rand() % 64));
    case 6:
      return full >> BigInt(rand() % 64);
    case 7: {
      // values around the sign bit of each width
      const w = [8n, 16n, 32n, 64n][rand() % 4];
      return ((1n << (w - 1n)) + BigInt((rand() % 5) - 2)) & M64;
    }
    default:
      return full;
  }
}

/** Random cases for a form; DIV/IDIV cases that would raise #DE are kept out of the native run. */
export function makeCases(forms: Form[], perForm: number, seed: number): Case[] {
  const rand = prng(seed);
  const cases: Case[] = [];
  forms.forEach((f, form) => {
    for (let i = 0; i < perForm; i++) {
      let c = BigInt(rand() % 256);
      if (rand() % 2) c = BigInt(rand() % (f.size * 8 + 3));
      let a = randomValue(rand);
      let b = randomValue(rand);
      let d = randomValue(rand);
      if (f.kind === 'div') {
        // Keep the quotient in range most of the time: a small high half relative to the divisor.
        if (rand() % 4 !== 0) d = b === 0n ? 0n : randomValue(rand) % (b & ((1n << BigInt(f.size * 8)) - 1n) || 1n);
        if (b === 0n) b = 1n;
        if (f.size === 1 && rand() % 2) a = (a & ~0xff00n) | ((BigInt(rand() % 256) % (b & 0xffn || 1n)) << 8n);
      }
      const flags = 0x202n | BigInt(rand() & ARITH_FLAGS);
      cases.push({ form, a, b, c, d, flags });
    }
  });
  return cases;
}

export interface HostOut {
  rax: bigint;
  rdx: bigint;
  flags: bigint;
}

export function runHost(exe: string, cases: Case[]): HostOut[] {
  const buf = Buffer.alloc(cases.length * 48);
  cases.forEach((k, i) => {
    const o = i * 48;
    buf.writeBigUInt64LE(BigInt(k.form), o);
    buf.writeBigUInt64LE(k.a, o + 8);
    buf.writeBigUInt64LE(k.b, o + 16);
    buf.writeBigUInt64LE(k.c, o + 24);
    buf.writeBigUInt64LE(k.d, o + 32);
    buf.writeBigUInt64LE(k.flags, o + 40);
  });
  const r = spawnSync(exe, [], { input: buf, maxBuffer: cases.length * 24 + 1024 });
  if (r.status !== 0) throw new Error(`harness failed: status ${r.status} ${r.signal ?? ''} ${r.stderr}`);
  const out: HostOut[] = [];
  for (let i = 0; i < cases.length; i++) {
    out.push({
      rax: r.stdout.readBigUInt64LE(i * 24),
      rdx: r.stdout.readBigUInt64LE(i * 24 + 8),
      flags: r.stdout.readBigUInt64LE(i * 24 + 16),
    });
  }
  return out;
}

const lo32 = (v: bigint): number => Number(v & 0xffffffffn);
const hi32 = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
const pair = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export interface Ours {
  /** Expected rax/rdx bits under `mask` (null: not compared). */
  rax: bigint | null;
  rdx: bigint | null;
  flags: number;
  /** #DE predicted. */
  de: boolean;
}

/** Runs our ALU on a case, shaped like the host's registers. */
export function runOurs(f: Form, k: Case): Ours {
  const s = f.size;
  const m = s === 8 ? M64 : (1n << BigInt(s * 8)) - 1n;
  const a = k.a & m;
  const b = k.b & m;
  const fl = Number(k.flags);
  const A_ = (): [number, number] => [lo32(a), hi32(a)];
  const res = (): bigint => pair(aluOut.lo, aluOut.hi) & m;
  switch (f.kind) {
    case 'bin': {
      const flags = binop(f.op, s, ...A_(), lo32(b), hi32(b), fl);
      return { rax: f.op === Op.CMP || f.op === Op.TEST ? null : res(), rdx: null, flags, de: false };
    }
    case 'un': {
      const fn = f.op === Op.INC ? inc : f.op === Op.DEC ? dec : f.op === Op.NEG ? neg : not;
      const flags = fn(s, ...A_(), fl);
      return { rax: res(), rdx: null, flags, de: false };
    }
    case 'shift': {
      const flags = shift(f.op, s, ...A_(), Number(k.c & 0xffn), fl);
      return { rax: res(), rdx: null, flags, de: false };
    }
    case 'dshift': {
      const fn = f.op === Op.SHLD ? shld : shrd;
      const flags = fn(s, ...A_(), lo32(b), hi32(b), Number(k.c & 0xffn), fl);
      return { rax: res(), rdx: null, flags, de: false };
    }
    case 'mul': {
      const fn = f.op === Op.MUL ? mul : imul1;
      const flags = fn(s, ...A_(), lo32(b), hi32(b), fl);
      if (s === 1) return { rax: BigInt(aluOut.lo | (aluOut.lo2 << 8)), rdx: null, flags, de: false };
      return { rax: res(), rdx: pair(aluOut.lo2, aluOut.hi2) & m, flags, de: false };
    }
    case 'imul2': {
      const flags = imul2(s, ...A_(), lo32(b), hi32(b), fl);
      return { rax: res(), rdx: null, flags, de: false };
    }
    case 'div': {
      const fn = f.op === Op.DIV ? div : idiv;
      let flags: number;
      if (s === 1) {
        flags = fn(1, Number((k.a >> 8n) & 0xffn), 0, Number(k.a & 0xffn), 0, lo32(b), 0, fl);
      } else {
        const d = k.d & m;
        flags = fn(s, lo32(d), hi32(d), ...A_(), lo32(b), hi32(b), fl);
      }
      if (flags < 0) return { rax: null, rdx: null, flags: 0, de: true };
      if (s === 1) return { rax: BigInt(aluOut.lo | (aluOut.lo2 << 8)), rdx: null, flags, de: false };
      return { rax: res(), rdx: pair(aluOut.lo2, aluOut.hi2) & m, flags, de: false };
    }
    case 'bt': {
      const flags = bitOp(f.op, s, ...A_(), lo32(b), fl);
      return { rax: f.op === Op.BT ? null : res(), rdx: null, flags, de: false };
    }
    case 'scan': {
      let flags: number;
      if (f.op === Op.BSF || f.op === Op.BSR) flags = (f.op === Op.BSF ? bsf : bsr)(s, lo32(b), hi32(b), ...A_(), fl);
      else flags = (f.op === Op.TZCNT ? tzcnt : f.op === Op.LZCNT ? lzcnt : popcnt)(s, lo32(b), hi32(b), fl);
      return { rax: res(), rdx: null, flags, de: false };
    }
    case 'bswap':
      bswap(s, ...A_());
      return { rax: res(), rdx: null, flags: fl, de: false };
    case 'xadd': {
      // XADD: "TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP", flags as ADD.
      const flags = binop(Op.ADD, s, ...A_(), lo32(b), hi32(b), fl);
      return { rax: res(), rdx: null, flags, de: false };
    }
    case 'cmpxchg': {
      // CMPXCHG: flags as CMP accumulator, destination; "IF accumulator = DEST THEN ZF ← 1; DEST ← SRC
      // ELSE ZF ← 0; accumulator ← DEST".
      const flags = binop(Op.CMP, s, ...A_(), lo32(b), hi32(b), fl);
      return { rax: (flags & 0x40 ? a : b) & m, rdx: null, flags, de: false };
    }
    case 'cbw': {
      // CBW/CWDE/CDQE: the low half of rAX sign-extended to the operand size.
      const half = s / 2;
      const v = sext32(half, lo32(k.a));
      const hi = s === 8 ? (v & 0x80000000 ? 0xffffffff : 0) : 0;
      return { rax: pair(v, hi) & m, rdx: null, flags: fl, de: false };
    }
    case 'cwd': {
      // CWD/CDQ/CQO: rDX ← copies of rAX's sign bit.
      const sign = (a >> BigInt(s * 8 - 1)) & 1n;
      return { rax: null, rdx: sign ? m : 0n, flags: fl, de: false };
    }
  }
}

/** Reference #DE rule for the generator/filter (BigInt is fine in tests). */
export function hostWouldFault(f: Form, k: Case): boolean {
  const bits = BigInt(f.size * 8);
  const m = (1n << bits) - 1n;
  const b = k.b & m;
  if (b === 0n) return true;
  let n: bigint;
  if (f.size === 1) n = k.a & 0xffffn;
  else n = ((k.d & m) << bits) | (k.a & m);
  if (f.op === Op.DIV) return n / b > m;
  const sn = BigInt.asIntN(Number(bits) * 2, n);
  const sb = BigInt.asIntN(Number(bits), b);
  const q = sn / sb;
  return q >= 1n << (bits - 1n) || q < -(1n << (bits - 1n));
}

export interface AluOracleResult {
  forms: number;
  native: number;
  deCases: number;
  diffCount: number;
  diffs: string[];
  skipped?: string;
}

/** Builds the harness, runs `perForm` random cases of every form natively and through our ALU, compares. */
export function runAluOracle(perForm: number, seed: number, maxDiffs = 30): AluOracleResult {
  const forms = allForms();
  const h = buildHarness(forms);
  const res: AluOracleResult = { forms: forms.length, native: 0, deCases: 0, diffCount: 0, diffs: [] };
  if (!h.exe) {
    res.skipped = h.why;
    return res;
  }
  const note = (msg: string): void => {
    res.diffCount++;
    if (res.diffs.length < maxDiffs) res.diffs.push(msg);
  };
  try {
    const native: Case[] = [];
    for (const k of makeCases(forms, perForm, seed)) {
      const f = forms[k.form];
      if (f.kind === 'div' && hostWouldFault(f, k)) {
        res.deCases++;
        if (!runOurs(f, k).de)
          note(`${f.name} a=${k.a.toString(16)} d=${k.d.toString(16)} b=${k.b.toString(16)}: no #DE`);
      } else native.push(k);
    }
    res.native = native.length;
    const host = runHost(h.exe, native);
    native.forEach((k, i) => {
      const f = forms[k.form];
      const o = runOurs(f, k);
      const hh = host[i];
      const m = f.size === 8 ? (1n << 64n) - 1n : (1n << BigInt(f.size * 8)) - 1n;
      const raxMask = f.size === 1 && (f.kind === 'mul' || f.kind === 'div') ? 0xffffn : m;
      const bad: string[] = [];
      if (o.de) bad.push('#DE');
      if (o.rax !== null && (hh.rax & raxMask) !== o.rax) {
        bad.push(`result ${o.rax.toString(16)} host ${(hh.rax & raxMask).toString(16)}`);
      }
      if (o.rdx !== null && (hh.rdx & m) !== o.rdx) {
        bad.push(`high/rem ${o.rdx.toString(16)} host ${(hh.rdx & m).toString(16)}`);
      }
      const fd = Number((hh.flags ^ BigInt(o.flags)) & BigInt(ARITH_FLAGS));
      for (const [bit, name] of FLAG_NAMES) if (fd & bit) bad.push(name);
      if (bad.length > 0) {
        note(
          `${f.name} a=${k.a.toString(16)} b=${k.b.toString(16)} c=${k.c} d=${k.d.toString(16)} ` +
            `flags=${k.flags.toString(16)}: ${bad.join(', ')}`,
        );
      }
    });
  } finally {
    if (h.dir) rmSync(h.dir, { recursive: true, force: true });
  }
  return res;
}

export function formatAluOracle(r: AluOracleResult): string {
  if (r.skipped) return `ALU host oracle skipped: ${r.skipped}`;
  return [
    `ALU host oracle: ${r.forms} forms, ${r.native} cases run natively, ` +
      `${r.deCases} #DE cases checked against the SDM rule, ${r.diffCount} differences`,
    ...r.diffs.map((d) => `  DIFF ${d}`),
  ].join('\n');
}
