// The host-CPU oracle for whole instructions on the emu vCPU: each snippet (64-bit, user-mode, AT&T) runs
// natively in a generated harness (assembled and linked with gcc at test time) and on an emu vCPU, from the
// same random registers, flags and 64-byte memory buffer (r15 points at it; rsp and r15 are not compared).
// Registers, the buffer and CF PF AF ZF SF OF DF must match exactly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitReason, type Regs } from '../../../src/index.js';
import { assemble, CODE, DATA, longModeGuest } from '../emu-harness.js';

/** Registers in harness order (rsp and r15 excluded). */
export const ORACLE_REGS = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
] as const;
const FLAGS_MASK = 0xcd5n; // CF PF AF ZF SF DF OF
const BUF = 64;

export interface OracleCase {
  regs: bigint[];
  flags: bigint;
  buf: Uint8Array;
}

export interface OracleResult {
  regs: bigint[];
  flags: bigint;
  buf: Uint8Array;
}

/** xorshift64* for reproducible inputs. */
export function rng(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  };
}

/** Random inputs with a bias toward edge values (0, 1, -1, sign bits, small counts). */
export function makeCases(n: number, seed: bigint): OracleCase[] {
  const r = rng(seed);
  const edge = [
    0n,
    1n,
    0xffffffffffffffffn,
    0x8000000000000000n,
    0x7fffffffffffffffn,
    0x80000000n,
    0xffffffffn,
    0x7fn,
    0x80n,
    0xffn,
    0x8000n,
  ];
  const cases: OracleCase[] = [];
  for (let i = 0; i < n; i++) {
    const regs = ORACLE_REGS.map(() => {
      const k = r() % 8n;
      if (k === 0n) return edge[Number(r() % BigInt(edge.length))]!;
      if (k === 1n) return r() % 70n;
      return r();
    });
    // IF stays set: user-mode POPF on the host cannot clear it.
    const flags = (r() & 0x8d5n) | 0x202n;
    const buf = new Uint8Array(BUF);
    for (let j = 0; j < BUF; j++) buf[j] = Number(r() & 0xffn);
    cases.push({ regs, flags, buf });
  }
  return cases;
}

const hex64 = (v: bigint): string => `0x${v.toString(16)}`;

/** Runs every snippet on every case natively. Returns results[snippet][case]. */
export function runNative(snippets: readonly string[], cases: readonly OracleCase[]): OracleResult[][] {
  const dir = mkdtempSync(join(tmpdir(), 'emu-oracle-'));
  try {
    const loads = ORACLE_REGS.map((r, i) => (r === 'rdi' ? '' : `  mov ${i * 8}(%rdi), %${r}\n`)).join('');
    const stores = ORACLE_REGS.map((r, i) => (r === 'rax' ? '' : `  mov %${r}, ${i * 8}(%rax)\n`)).join('');
    let asm = '  .text\n';
    snippets.forEach((s, k) => {
      asm += `  .globl snip${k}\nsnip${k}:\n  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n`;
      asm += '  mov %rsi, saved_out(%rip)\n  mov %rdx, %r15\n  pushq 112(%rdi)\n  popfq\n';
      asm += `${loads}  mov 40(%rdi), %rdi\n${s}\n`;
      asm += '  pushfq\n  push %rax\n  mov saved_out(%rip), %rax\n  popq 0(%rax)\n';
      asm += `${stores}  popq 112(%rax)\n  cld\n  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n  ret\n`;
    });
    asm += '  .data\nsaved_out: .quad 0\n  .section .note.GNU-stack,"",@progbits\n';
    writeFileSync(join(dir, 'snips.s'), asm);
    const n = cases.length;
    let c = '#include <stdio.h>\n#include <stdint.h>\n#include <string.h>\n';
    c += `typedef void (*fn)(uint64_t *in, uint64_t *out, uint8_t *buf);\n`;
    c += snippets.map((_s, k) => `void snip${k}(uint64_t*, uint64_t*, uint8_t*);`).join('\n');
    c += `\nstatic fn fns[] = {${snippets.map((_s, k) => `snip${k}`).join(',')}};\n`;
    c += `static uint64_t in[${n}][15] = {${cases.map((cs) => `{${[...cs.regs, cs.flags].map((v) => `${hex64(v)}ULL`).join(',')}}`).join(',')}};\n`;
    c += `static uint8_t bufs[${n}][${BUF}] = {${cases.map((cs) => `{${[...cs.buf].join(',')}}`).join(',')}};\n`;
    c += `int main(void){ setvbuf(stdout, 0, _IOLBF, 0); static uint8_t buf[${BUF}] __attribute__((aligned(16))); uint64_t out[15];
      for (unsigned k = 0; k < ${snippets.length}; k++) for (unsigned i = 0; i < ${n}; i++) {
        memcpy(buf, bufs[i], ${BUF}); memset(out, 0, sizeof out); fns[k](in[i], out, buf);
        for (int j = 0; j < 15; j++) printf("%llx ", (unsigned long long)out[j]);
        for (int j = 0; j < ${BUF}; j++) printf("%02x", buf[j]); printf("\\n"); }
      return 0; }\n`;
    writeFileSync(join(dir, 'main.c'), c);
    execFileSync('gcc', ['-O0', '-no-pie', '-o', join(dir, 'oracle'), join(dir, 'main.c'), join(dir, 'snips.s')]);
    let stdout: string;
    try {
      stdout = execFileSync(join(dir, 'oracle'), { maxBuffer: 256 << 20, timeout: 20_000 }).toString();
    } catch (e) {
      // Name the snippet the native run died or hung in (each case prints one line when done).
      const done = String((e as { stdout?: Buffer }).stdout ?? '').split('\n').length - 1;
      throw new Error(
        `native harness failed in snippet ${JSON.stringify(snippets[Math.floor(done / n)])}: ${String(e)}`,
      );
    }
    const lines = stdout.trim().split('\n');
    const out: OracleResult[][] = [];
    let li = 0;
    for (let k = 0; k < snippets.length; k++) {
      const row: OracleResult[] = [];
      for (let i = 0; i < n; i++) {
        const parts = lines[li++]!.trim().split(' ');
        const vals = parts.slice(0, 15).map((h) => BigInt(`0x${h}`));
        const bufHex = parts[15]!;
        const buf = new Uint8Array(BUF);
        for (let j = 0; j < BUF; j++) buf[j] = Number.parseInt(bufHex.slice(2 * j, 2 * j + 2), 16);
        row.push({ regs: vals.slice(0, 14), flags: vals[14]! & FLAGS_MASK, buf });
      }
      out.push(row);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes reserved per snippet in the emu image (each ends in hlt). */
const SLOT = 256;

/** Runs every snippet on every case on one emu vCPU (r15 = DATA, a 16-byte-aligned buffer in guest RAM).
 *  All snippets are assembled in one pass, snippet k at CODE + k * SLOT. Returns results[snippet][case]. */
export function runEmu(snippets: readonly string[], cases: readonly OracleCase[]): OracleResult[][] {
  const src = snippets.map((sn, k) => `.org ${k * SLOT}\n${sn}\n hlt`).join('\n');
  const g = longModeGuest(assemble(src));
  const base = g.vcpu.getRegs();
  const all: OracleResult[][] = [];
  snippets.forEach((snippet, k) => {
    const out: OracleResult[] = [];
    for (const cs of cases) {
      const r: Regs = { ...base };
      ORACLE_REGS.forEach((name, i) => {
        r[name] = cs.regs[i]!;
      });
      r.r15 = BigInt(DATA);
      r.rip = BigInt(CODE + k * SLOT);
      r.rflags = cs.flags;
      g.vcpu.setRegs(r);
      g.ram.set(cs.buf, DATA);
      const exit = g.vcpu.run();
      if (exit.reason !== ExitReason.Hlt) throw new Error(`snippet ${JSON.stringify(snippet)}: exit ${exit.reason}`);
      const after = g.vcpu.getRegs();
      out.push({
        regs: ORACLE_REGS.map((name) => after[name]),
        flags: after.rflags & FLAGS_MASK,
        buf: g.ram.slice(DATA, DATA + BUF),
      });
    }
    all.push(out);
  });
  return all;
}

/** The first difference between two results, as a sentence (undefined when equal). */
export function firstDifference(native: OracleResult, emu: OracleResult): string | undefined {
  for (let i = 0; i < ORACLE_REGS.length; i++) {
    if (native.regs[i] !== emu.regs[i])
      return `${ORACLE_REGS[i]}: host ${hex64(native.regs[i]!)} emu ${hex64(emu.regs[i]!)}`;
  }
  if (native.flags !== emu.flags) return `flags: host ${hex64(native.flags)} emu ${hex64(emu.flags)}`;
  for (let j = 0; j < BUF; j++) {
    if (native.buf[j] !== emu.buf[j]) return `buf[${j}]: host ${native.buf[j]} emu ${emu.buf[j]}`;
  }
  return undefined;
}
