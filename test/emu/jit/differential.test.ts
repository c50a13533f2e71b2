// The block compiler (src/backends/emu/jit) against the interpreter: random loops of the instructions blocks
// contain — inline forms, handler calls, memory, branches inside the loop, faults, stores into the code
// being run — execute with the compiler off (the oracle), compiling on the first visit, and compiling after a
// few interpreted visits (so interpreted and compiled turns mix). Registers, RFLAGS, memory, the retired
// count and the way the run ended must be identical.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitReason } from '../../../src/abi/index.js';
import type { EmuVcpu } from '../../../src/backends/emu/vcpu.js';
import {
  assemble,
  CODE,
  DATA,
  type Guest,
  haltedVector,
  longModeGuest,
  PML4,
  prot32Guest,
  realModeGuest,
  runToHlt,
} from '../emu-harness.js';
import { rng } from '../exec/host-oracle.js';

type Bits = 16 | 32 | 64;

/** Real mode: DS = CS = 0x1000 (the harness), so the data area is DS:0x8000. */
const DATA16 = 0x8000;
const DATA16_LINEAR = 0x10000 + DATA16;

const REGS64 = ['rax', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11'];
const REGS32_OF64 = ['eax', 'edx', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d'];
const REGS32 = ['eax', 'edx', 'esi', 'edi', 'ebp'];
const BINARY = ['add', 'sub', 'and', 'or', 'xor', 'cmp', 'test', 'adc', 'sbb'];
const UNARY = ['inc', 'dec', 'neg', 'not'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** Where runWith() maps the first GiB a second time in 64-bit mode: the top 2 GiB, where x86-64 kernels run
 *  (PML4[511] -> PDPT[510] -> the same page directory). */
const KERNEL_HALF = 0xffffffff80000000n;

/** A random loop body of `ops` random pieces for `bits` (ecx counts the turns, rbx/ebx points at DATA, esp is
 *  the stack; with `high`, 64-bit only, rbx and rsp point at the same memory through KERNEL_HALF). */
function program(r: () => bigint, bits: Bits, iterations: number, ops: number, high = false): string {
  const pick = <T>(a: readonly T[]): T => a[Number(r() % BigInt(a.length))]!;
  const num = (n: number): number => Number(r() % BigInt(n));
  const imm32 = (): number => Number(BigInt.asIntN(32, r()));
  const lines: string[] = high
    ? [`movabs $${KERNEL_HALF + BigInt(DATA)}, %rbx`, `movabs $${KERNEL_HALF}, %rcx`, 'add %rcx, %rsp']
    : [`mov $${DATA}, %ebx`];
  lines.push(`mov $${iterations}, %ecx`, 'top:');
  const n = ops;
  let label = 0;
  const functions: string[] = [];
  for (let i = 0; i < n; i++) {
    const wide = bits === 64 && num(2) === 0;
    const regs = bits === 32 ? REGS32 : wide ? REGS64 : REGS32_OF64;
    const sfx = wide ? 'q' : 'l';
    const a = `%${pick(regs)}`;
    const b = `%${pick(regs)}`;
    const mem = `${4 * num(62)}(%${bits === 64 ? 'rbx' : 'ebx'})`;
    switch (num(27)) {
      case 0:
      case 1:
        lines.push(`${pick(BINARY)}${sfx} ${b}, ${a}`);
        break;
      case 2:
        lines.push(`${pick(BINARY)}${sfx} $${imm32()}, ${a}`);
        break;
      case 3:
        lines.push(`${pick(UNARY)}${sfx} ${a}`);
        break;
      case 4:
        lines.push(num(2) === 0 ? `mov${sfx} ${b}, ${a}` : `mov${sfx} $${imm32()}, ${a}`);
        break;
      case 5:
        lines.push(`mov${sfx} ${mem}, ${a}`);
        break;
      case 6:
        lines.push(num(2) === 0 ? `mov${sfx} ${a}, ${mem}` : `mov${sfx} $${imm32()}, ${mem}`);
        break;
      case 7:
        lines.push(`${pick(BINARY)}${sfx} ${mem}, ${a}`);
        break;
      case 8:
        lines.push(`lea${sfx} ${imm32() % 4096}(${b},${a},${pick([1, 2, 4, 8])}), ${a}`);
        break;
      case 9:
        lines.push(`${pick(['shl', 'shr', 'sar', 'rol', 'rcr'])}${sfx} $${num(64)}, ${a}`);
        break;
      case 10: {
        const form = num(3);
        if (form === 0) lines.push(`imul${sfx} ${b}, ${a}`);
        else if (form === 1) lines.push(`imul${sfx} $${imm32()}, ${b}, ${a}`);
        else lines.push(`cmov${pick(CC)}${sfx} ${b}, ${a}`);
        break;
      }
      case 11:
        lines.push(
          `set${pick(CC)} ${bits === 64 ? pick(['%al', '%sil', '%r9b']) : pick(['%al', '%dh'])}`,
          `push${bits === 64 ? 'q' : 'l'} ${bits === 64 ? b.replace('%e', '%r').replace(/d$/, '') : b}`,
          `pop${bits === 64 ? 'q' : 'l'} %${bits === 64 ? 'rdx' : 'edx'}`,
        );
        break;
      case 12:
        // A branch inside the loop: blocks end and start in the middle of a turn.
        lines.push(`j${pick(CC)} L${label}`, `${pick(BINARY)}${sfx} ${b}, ${a}`, `L${label}:`);
        label++;
        break;
      case 13:
        // Self-modifying code: the first turn turns the CLCs ahead into NOPs (a 4-byte store, then a byte one).
        lines.push(`movl $0x90909090, S${label}`, `S${label}: .byte 0xf8, 0xf8, 0xf8, 0xf8`);
        lines.push(`movb $0x90, T${label}`, `T${label}: stc`);
        label++;
        break;
      case 14:
        // Occasionally #DE (divisor 0 or quotient overflow): the IDT stub halts, both runs must agree where.
        if (num(4) === 0) lines.push(`div${sfx} ${b}`);
        else lines.push(`not${sfx} ${a}`);
        break;
      case 15:
      case 16:
      case 17:
        // A run of register arithmetic: the flags of all but the last are dead (computed or not, per bit).
        for (let k = 0; k < 6; k++) {
          const x = `%${pick(regs)}`;
          const form = num(6);
          if (form === 0) lines.push(`${pick(UNARY)}${sfx} ${x}`);
          else if (form === 1)
            lines.push(`${pick(['shl', 'shr', 'sar'])}${sfx} ${pick(['$1', `$${num(80)}`, '%cl'])}, ${x}`);
          else if (form === 2)
            lines.push(`lea${sfx} ${imm32() % 100000}(%${pick(regs)},%${pick(regs)},${pick([1, 2, 4, 8])}), ${x}`);
          else lines.push(`${pick(BINARY)}${sfx} %${pick(regs)}, ${x}`);
        }
        break;
      case 19:
        // Byte stores: a low byte register, AH..BH where no REX is needed, an immediate.
        lines.push(
          `movb ${pick(bits === 64 ? ['%al', '%dh', '%sil', '%r10b', `$${num(256)}`] : ['%al', '%dh', `$${num(256)}`])}, ${mem}`,
        );
        break;
      case 23:
        // Calls to small functions on the next page (64-bit: inline CALL, RET, PUSH imm/POP).
        if (bits === 64) {
          lines.push(`call F${label}`, `pushq $${imm32()}`, `popq ${pick(REGS64.map((x) => `%${x}`))}`);
          functions.push(`F${label}:`, `${pick(BINARY)}${sfx} ${b}, ${a}`, `push %rsi`, `pop %rdi`, 'ret');
          label++;
        }
        break;
      case 21:
      case 22: {
        // A flag writer right before a Jcc: the condition read off its operands or result (lazy flags).
        const w = pick(['cmp', 'sub', 'test', 'and', 'add', 'xor', 'or', 'inc', 'dec']);
        const form = num(4);
        // Operands that are equal or differ only in their low bits make every condition's edge cases happen.
        if (form === 0 && a !== b) lines.push(`mov${sfx} ${a}, ${b}`, `add${sfx} $${num(3) - 1}, ${b}`);
        const src = form === 1 ? `$${imm32()}` : form === 2 ? a : b;
        lines.push(w === 'inc' || w === 'dec' ? `${w}${sfx} ${a}` : `${w}${sfx} ${src}, ${a}`);
        lines.push(`j${pick(CC)} L${label}`, `${pick(UNARY)}${sfx} ${b}`, `L${label}:`);
        label++;
        break;
      }
      case 24:
        // A nested loop (a region with two back edges): counted in RBP (64-bit) or in memory (a handler's
        // read-modify-write before the Jcc).
        if (bits === 64) lines.push('mov $3, %ebp', `N${label}:`, `${pick(BINARY)}${sfx} ${b}, ${a}`);
        else lines.push('movl $3, 248(%ebx)', `N${label}:`, `${pick(BINARY)}${sfx} ${b}, ${a}`);
        lines.push(`${pick(['shl', 'sar'])}${sfx} $${1 + num(3)}, ${a}`);
        lines.push(bits === 64 ? 'dec %ebp' : 'decl 248(%ebx)', `jnz N${label}`);
        label++;
        break;
      case 20:
        // An inline load that faults in a late turn, when its block is hot: #PF beyond the 1 GiB identity map
        // or #GP for a non-canonical address (the compiled code must leave the interpreter's state).
        if (bits === 64 && num(2) === 0)
          lines.push(
            'movl $41, %edx',
            'subl %ecx, %edx',
            `shlq $${pick([26, 43])}, %rdx`,
            // A flag writer whose flags only the fault observes, then the load (MOV or MOVZX).
            `add${sfx} ${b}, ${a}`,
            num(2) === 0 ? `mov${sfx} (%rbx,%rdx), ${a}` : `movzb${sfx} (%rbx,%rdx), ${a}`,
            `cmp${sfx} ${b}, ${a}`,
          );
        break;
      case 18:
        // Memory operands of the other inline forms: CMP/TEST m, r|imm and MOVZX.
        if (num(2) === 0) lines.push(`${pick(['cmp', 'test'])}${sfx} ${num(2) === 0 ? b : `$${imm32()}`}, ${mem}`);
        else {
          const w = num(2) === 0;
          // AH..BH only where no REX prefix is needed.
          const legacy = bits === 32 || (!wide && !a.startsWith('%r'));
          const byteRegs = legacy ? ['%al', '%dh'] : ['%al', '%sil', '%r9b'];
          const wordRegs = bits === 64 ? ['%ax', '%si', '%r9w'] : ['%ax', '%si'];
          const ext = pick(['movz', 'movs']);
          lines.push(`${ext}${w ? 'w' : 'b'}${sfx} ${num(2) === 0 ? mem : pick(w ? wordRegs : byteRegs)}, ${a}`);
          // MOVSXD (64-bit): from a 32-bit register or memory.
          if (wide && num(2) === 0)
            lines.push(`movslq ${num(2) === 0 ? mem : pick(REGS32_OF64.map((x) => `%${x}`))}, ${a}`);
        }
        break;
      default:
        lines.push(`${pick(['clc', 'stc', 'cmc', 'nop'])}`);
    }
  }
  // The functions on the next page: calls and returns leave the region and enter another one.
  lines.push('dec %ecx', 'jnz top', 'hlt', ...(functions.length > 0 ? ['.balign 4096', ...functions] : []));
  return lines.join('\n');
}

/** A random real-mode loop (cx counts the turns, bx points at DATA16): 16- and 32-bit operands (66),
 *  16- and 32-bit addressing (67), Jcc with 16-bit IP wrap rules, handler calls in between. */
function program16(r: () => bigint, iterations: number): string {
  const pick = <T>(a: readonly T[]): T => a[Number(r() % BigInt(a.length))]!;
  const num = (n: number): number => Number(r() % BigInt(n));
  // #GP (a 32-bit-addressed access past the 64 KiB limit) goes to a handler that halts: IVT entry 13.
  const lines: string[] = [
    'xor %ax, %ax',
    'mov %ax, %es',
    'movw $(gp_handler - 0x10000), %es:52',
    'movw %cs, %es:54',
    `mov $${DATA16}, %ebx`,
    `mov $${iterations}, %cx`,
    'top:',
  ];
  let label = 0;
  for (let i = 0, n = 6 + num(20); i < n; i++) {
    const long = num(2) === 0;
    const regs = long ? REGS32 : ['ax', 'dx', 'si', 'di', 'bp'];
    const sfx = long ? 'l' : 'w';
    const a = `%${pick(regs)}`;
    const b = `%${pick(regs)}`;
    const mem = num(2) === 0 ? `${2 * num(60)}(%bx)` : `${4 * num(60)}(%ebx)`;
    const imm = long ? Number(BigInt.asIntN(32, r())) : num(0x10000);
    switch (num(10)) {
      case 0:
        lines.push(`${pick(BINARY)}${sfx} $${imm}, ${a}`);
        break;
      case 9:
        // A load that passes the segment limit in a late, compiled turn: #GP from the inline access.
        if (num(2) === 0) lines.push('movl $41, %edx', 'subl %ecx, %edx', 'shll $12, %edx', 'movl (%ebx,%edx), %eax');
        break;
      case 1:
        lines.push(`${pick(UNARY)}${sfx} ${a}`);
        break;
      case 2:
        lines.push(num(2) === 0 ? `mov${sfx} ${mem}, ${a}` : `mov${sfx} ${a}, ${mem}`);
        break;
      case 3:
        lines.push(`${pick(['shl', 'shr', 'sar'])}${sfx} $${num(40)}, ${a}`);
        break;
      case 4:
        lines.push(`j${pick(CC)} L${label}`, `${pick(BINARY)}${sfx} ${b}, ${a}`, `L${label}:`);
        label++;
        break;
      case 5:
        lines.push(`set${pick(CC)} %al`, `push${sfx} ${b}`, `pop${sfx} ${a}`);
        break;
      default:
        lines.push(`${pick(BINARY)}${sfx} ${b}, ${a}`);
    }
  }
  lines.push('dec %cx', 'jnz top', 'hlt', 'gp_handler: hlt');
  return lines.join('\n');
}

interface Outcome {
  regs: string;
  data: string;
  code: string;
  retired: number;
  end: string;
}

function runWith(bits: Bits, code: Uint8Array, seedRegs: bigint[], threshold: number): Outcome {
  const g: Guest = bits === 64 ? longModeGuest(code) : bits === 32 ? prot32Guest(code) : realModeGuest(code);
  if (bits === 64) {
    g.view.setBigUint64(PML4 + 511 * 8, 0x2000n | 7n, true);
    g.view.setBigUint64(0x2000 + 510 * 8, 0x3000n | 7n, true);
  }
  const data = bits === 16 ? DATA16_LINEAR : DATA;
  const vcpu = g.vcpu as EmuVcpu;
  vcpu.cpu.jitThreshold = threshold;
  const regs = vcpu.getRegs();
  const names = ['rax', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11'] as const;
  names.forEach((k, i) => {
    regs[k] = bits === 64 ? seedRegs[i]! : seedRegs[i]! & 0xffffffffn;
  });
  vcpu.setRegs(regs);
  let end: string;
  try {
    runToHlt(g);
    end = `hlt vector ${haltedVector(g)}`;
  } catch (e) {
    end = String(e);
  }
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    regs: JSON.stringify(vcpu.getRegs(), (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v)),
    data: hex(g.ram.subarray(data, data + 256)),
    code: hex(g.ram.subarray(CODE, CODE + code.length)),
    retired: vcpu.cpu.retired,
    end,
  };
}

/** Random programs run both ways; `long` makes loop bodies of 100-160 pieces (regions reach their size limit
 *  and end in the middle of the loop). */
function differential(bits: Bits, seed: bigint, programs: number, long = false, high = false): Set<string> {
  const ends = new Set<string>();
  const r = rng(seed);
  for (let p = 0; p < programs; p++) {
    const turns = 1 + Number(r() % 40n);
    const ops = long ? 100 + Number(r() % 60n) : 6 + Number(r() % 24n);
    const src = bits === 16 ? program16(r, turns) : program(r, bits, turns, ops, high);
    const code = assemble(src, bits);
    const seedRegs = Array.from({ length: 9 }, () => r());
    const oracle = runWith(bits, code, seedRegs, 0);
    ends.add(oracle.end);
    for (const threshold of [1, 3]) {
      const got = runWith(bits, code, seedRegs, threshold);
      assert.deepEqual(got, oracle, `${bits}-bit program ${p} (threshold ${threshold}) differs:\n${src}`);
    }
  }
  return ends;
}

describe('block compiler vs interpreter on random loops', () => {
  it('64-bit mode', () => {
    const ends = differential(64, 11n, 50);
    // The programs reach the faults they are built to reach: #DE, #GP and #PF as well as the final HLT.
    for (const v of [-1, 0, 13, 14]) assert.ok(ends.has(`hlt vector ${v}`), [...ends].join(', '));
  });
  it('64-bit mode with data and stack in the top 2 GiB (kernel addresses)', () => {
    const ends = differential(64, 16n, 30, false, true);
    for (const v of [-1, 13, 14]) assert.ok(ends.has(`hlt vector ${v}`), [...ends].join(', '));
  });
  it('32-bit protected mode', () => {
    differential(32, 12n, 25);
  });
  it('real mode', () => {
    differential(16, 13n, 20);
  });
  it('long loop bodies, 64- and 32-bit', () => {
    differential(64, 14n, 8, true);
    differential(32, 15n, 6, true);
  });
  it('a region compiled for one guest and reused by another (same code, other registers) runs that guest', () => {
    // The process keeps compiled regions by source and bytes (jit/compile.ts): the second guest's regions
    // are the first one's functions, and must depend on nothing but the cpu they are given.
    const r = rng(17n);
    for (let p = 0; p < 20; p++) {
      const bits: Bits = p % 2 === 0 ? 64 : 32;
      const src = program(r, bits, 1 + Number(r() % 30n), 6 + Number(r() % 24n));
      const code = assemble(src, bits);
      const first = Array.from({ length: 9 }, () => r());
      const second = Array.from({ length: 9 }, () => r());
      runWith(bits, code, first, 1);
      assert.deepEqual(runWith(bits, code, second, 1), runWith(bits, code, second, 0), `program ${p}:\n${src}`);
    }
  });
});

/** Operand values at the edges of every condition: zero, ±1, the 32- and 64-bit sign and carry boundaries,
 *  equal high halves with different low halves and the reverse. */
const EDGES = [
  0n,
  1n,
  5n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffff00000000n,
  0xffffffffffffffffn,
];

/**
 * Every Jcc condition after every flag writer the compiler leaves lazy, on every ordered pair of EDGES: a loop
 * over the pairs runs `op b, a; jcc` for the 16 conditions and records which were taken. With `inc`, an INC
 * of another register comes between (it keeps the writer's CF and replaces the other flags).
 */
function conditions(threshold: number, op: string, wide: boolean, inc = false): string {
  const sfx = wide ? 'q' : 'l';
  const [a, b] = wide ? ['%rax', '%rdx'] : ['%eax', '%edx'];
  const body: string[] = [];
  CC.forEach((cc, i) => {
    body.push(`mov (%rbx), %rax`, `mov 8(%rbx), %rdx`);
    body.push(op === 'inc' || op === 'dec' ? `${op}${sfx} ${a}` : `${op}${sfx} ${b}, ${a}`);
    if (inc) body.push('inc %r8');
    body.push(`j${cc} 1f`, `or $${1 << i}, %esi`, '1:');
  });
  const src = [
    `mov $${DATA}, %ebx`,
    `mov $${DATA + 0x4000}, %edi`,
    `mov $${EDGES.length ** 2}, %ecx`,
    'top:',
    'xor %esi, %esi',
    ...body,
    'mov %esi, (%rdi)',
    'add $16, %rbx',
    'add $4, %rdi',
    'dec %ecx',
    'jnz top',
    'hlt',
  ].join('\n');
  return overTable(src, threshold, EDGES, EDGES, 4 * EDGES.length ** 2);
}

/** Runs 64-bit `src` (compiler at `threshold`) over the table of every (x, y) in xs * ys, 16 bytes a pair at
 *  DATA; returns the `outBytes` it wrote at DATA + 0x4000, in hex. */
function overTable(src: string, threshold: number, xs: bigint[], ys: bigint[], outBytes: number): string {
  const g = longModeGuest(assemble(src, 64));
  (g.vcpu as EmuVcpu).cpu.jitThreshold = threshold;
  let at = DATA;
  for (const x of xs) {
    for (const y of ys) {
      g.view.setBigUint64(at, x, true);
      g.view.setBigUint64(at + 8, y, true);
      at += 16;
    }
  }
  runToHlt(g);
  return Buffer.from(g.ram.subarray(DATA + 0x4000, DATA + 0x4000 + outBytes)).toString('hex');
}

describe('lazy flags: every condition after every flag writer, on edge values', () => {
  for (const op of ['cmp', 'sub', 'test', 'and', 'or', 'xor', 'add', 'inc', 'dec']) {
    it(op, () => {
      for (const wide of [false, true]) {
        for (const inc of [false, true]) {
          const oracle = conditions(0, op, wide, inc);
          assert.equal(conditions(1, op, wide, inc), oracle, `${op} ${wide ? 64 : 32}-bit${inc ? ', INC after' : ''}`);
        }
      }
    });
  }
});

/** CMOVcc (32-bit: the destination's upper half is zeroed either way), SETcc (a low byte and AH), MOVSX and
 *  MOVSXD from registers and memory, on every pair of EDGES after a CMP of them. */
function extensions(threshold: number): string {
  const body = [
    'mov (%rbx), %rax',
    'mov 8(%rbx), %rdx',
    'mov %rax, %r8',
    'mov %rax, %r9',
    'mov %rdx, %r10',
    'cmp %edx, %eax',
    'cmovbl %edx, %r8d',
    'cmovlq %rdx, %r9',
    'setb %r10b',
    'setg %ah',
    'movsbq %dl, %r11',
    'movswl %dx, %r12d',
    'movslq %edx, %r13',
    'movsbl 8(%rbx), %r14d',
    'movslq 12(%rbx), %r15',
    ...['r8', 'r9', 'r10', 'rax', 'r11', 'r12', 'r13', 'r14', 'r15'].map((r, i) => `mov %${r}, ${8 * i}(%rdi)`),
    'add $72, %rdi',
    'add $16, %rbx',
  ];
  const src = [
    `mov $${DATA}, %ebx`,
    `mov $${DATA + 0x4000}, %edi`,
    `mov $${EDGES.length ** 2}, %ecx`,
    'top:',
    ...body,
    'dec %ecx',
    'jnz top',
    'hlt',
  ].join('\n');
  return overTable(src, threshold, EDGES, EDGES, 72 * EDGES.length ** 2);
}

describe('CMOVcc, SETcc, MOVSX and MOVSXD on edge values', () => {
  it('compiled as the interpreter runs them', () => {
    assert.equal(extensions(1), extensions(0));
  });
});

/** Shift counts at the edges: 0 (no change, no flags), 1, inside a half, at and past 32, past the mask. */
const COUNTS = [0n, 1n, 5n, 31n, 32n, 33n, 40n, 63n, 64n, 65n, 255n];

/** SHL/SHR/SAR by CL and by constants at 32 and 64 bits on every (value, count) pair, with the flags dead
 *  (a XOR follows) and observed (a SETcc and Jcc follow). */
function shifts(threshold: number): string {
  const body: string[] = ['mov (%rbx), %ecx', 'mov 8(%rbx), %rax'];
  for (const op of ['shl', 'shr', 'sar']) {
    for (const [sfx, d] of [
      ['q', '%rdx'],
      ['l', '%edx'],
    ] as const) {
      body.push('mov %rax, %rdx', `${op}${sfx} %cl, ${d}`, 'xor %esi, %esi', 'mov %rdx, (%rdi)', 'add $8, %rdi');
      body.push('mov %rax, %rdx', `${op}${sfx} %cl, ${d}`, 'setc %sil', 'jo 1f', 'or $2, %esi', '1:');
      body.push('mov %rdx, (%rdi)', 'mov %esi, 8(%rdi)', 'add $16, %rdi');
      body.push('mov %rax, %rdx', `${op}${sfx} $33, ${d}`, `${op}${sfx} $3, ${d}`, 'xor %esi, %esi');
      body.push('mov %rdx, (%rdi)', 'add $8, %rdi');
    }
  }
  const src = [
    `mov $${DATA}, %ebx`,
    `mov $${DATA + 0x4000}, %edi`,
    `mov $${EDGES.length * COUNTS.length}, %r11d`,
    'top:',
    ...body,
    'add $16, %rbx',
    'dec %r11d',
    'jnz top',
    'hlt',
  ].join('\n');
  return overTable(src, threshold, COUNTS, EDGES, EDGES.length * COUNTS.length * 3 * 2 * 32);
}

describe('shifts by CL and by constants on edge values and counts', () => {
  it('SHL, SHR, SAR at 32 and 64 bits, flags dead and observed', () => {
    assert.equal(shifts(1), shifts(0));
  });
});

describe('the state where a region stops for its instruction budget', () => {
  it('RFLAGS of a writer only a backward way observes are exact there', () => {
    // `add` sets flags that `top` overwrites at once: inside the region they are dead, but a stop at the
    // back edge (the run loop's kick check, an interrupt) exposes them.
    const code = assemble(
      [
        'mov $100000, %ecx',
        'top:',
        'cmp %rsi, %rdi',
        'dec %ecx',
        'jz out',
        'add $7, %rdx',
        'jmp top',
        'out:',
        'hlt',
      ].join('\n'),
      64,
    );
    const g = longModeGuest(code);
    const cpu = (g.vcpu as EmuVcpu).cpu;
    cpu.jitThreshold = 1;
    // A kick once the first region has run: run() returns at the next kick check, where that region stopped.
    const internal = cpu as unknown as { runBlock(): boolean };
    const runBlock = internal.runBlock.bind(cpu);
    internal.runBlock = () => {
      const ran = runBlock();
      if (ran) cpu.kick[0] = 1;
      return ran;
    };
    assert.equal(g.vcpu.run().reason, ExitReason.Intr);
    const oracle = longModeGuest(code);
    const ocpu = (oracle.vcpu as EmuVcpu).cpu;
    ocpu.jitThreshold = 0;
    while (ocpu.retired < cpu.retired) ocpu.step();
    assert.ok(cpu.retired > 1000, `stopped after ${cpu.retired}`);
    assert.deepEqual(g.vcpu.getRegs(), oracle.vcpu.getRegs());
  });
});
