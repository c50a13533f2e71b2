// The operation list: one row per operation family the executor dispatches on (insn.op), holding every fact
// about it that more than one unit needs. An op's id is its row's index: dense from 0, so an executor may
// index a handler array and `--stats` may count per op in a Uint32Array(OP_COUNT). The opcode table
// (table.ts) maps encodings to these names; exec/ implements them; jit/plan.ts reads how a region treats
// them. Operand size, operands and the condition code come from the Insn, not from the op: e.g. CBW is
// CBW/CWDE/CDQE by insn.osize, MOVS is MOVSB..MOVSQ by insn.osize, PUSH covers every PUSH encoding.
import { STATUS_FLAGS as ARITH, RFLAGS } from '../../../x86/control-regs.js';

/** How a compiled region treats an op (jit/plan.ts). */
export const Compile = {
  /** Never in a region: the region ends before it and the interpreter runs it (mode, segment, IF/TF, paging,
   *  I/O, software interrupts, far transfers, HLT, MOV to CR/DR, POPF, x87 control). */
  Never: 0,
  /** In a region, always through its interpreter handler. */
  Call: 1,
  /** In a region: some operand forms emitted inline (jit/plan.ts plan() picks them), the rest called. */
  Inline: 2,
  /** Nothing to do on one vCPU thread executing in order (hints, fences; a memory operand is not accessed):
   *  the interpreter's handler and the region's code are both empty. */
  Nothing: 3,
} as const;

const { CF, PF, AF, ZF, SF, OF, DF, IF, AC } = RFLAGS;

/** The status flags (x86/control-regs.ts STATUS_FLAGS), as the rows' flag columns name them. */
export { ARITH };

const OSZAP = ARITH & ~CF;
const SZAPC = ARITH & ~OF;
const OSZPC = ARITH & ~AF;
const OC = OF | CF;
const SZAP = SF | ZF | AF | PF;
const DOSZAPC = DF | ARITH;
/** Every RFLAGS bit: the op may load or save the whole register (POPF, IRET, interrupt delivery). */
const ALL = Object.values(RFLAGS).reduce((a, b) => a | b, 0);

const NEVER = Compile.Never;
const CALL = Compile.Call;
const INLINE = Compile.Inline;
const NOTHING = Compile.Nothing;

/**
 * One row per op: [name, how a region treats it (Compile), 1 if control may leave the region after it
 * unless emitted inline as a branch (it may change rip, or repeat itself: REP string ops), flags read,
 * flags written].
 * Written: every RFLAGS bit the interpreter's handler may change, the SDM's "undefined" ones included when
 * the handler changes them. Read: every bit its results depend on, and every written bit it may leave
 * unchanged (a shift or rotate by a masked count of 0, REP CMPS/SCAS with rCX = 0: the old value passes
 * through). JCC/SETCC/CMOVCC read the flags of their condition code, a subset of what their row says.
 */
const ROWS = [
  ['INVALID', NEVER, 0, 0, 0],
  // Integer arithmetic and logic (exec/alu/*.ts)
  ['ADD', INLINE, 0, 0, ARITH],
  ['OR', INLINE, 0, 0, ARITH],
  ['ADC', INLINE, 0, CF, ARITH],
  ['SBB', INLINE, 0, CF, ARITH],
  ['AND', INLINE, 0, 0, ARITH],
  ['SUB', INLINE, 0, 0, ARITH],
  ['XOR', INLINE, 0, 0, ARITH],
  ['CMP', INLINE, 0, 0, ARITH],
  ['TEST', INLINE, 0, 0, ARITH],
  ['INC', INLINE, 0, 0, OSZAP],
  ['DEC', INLINE, 0, 0, OSZAP],
  ['NEG', INLINE, 0, 0, ARITH],
  ['NOT', INLINE, 0, 0, 0],
  ['MUL', CALL, 0, 0, OC],
  ['IMUL1', CALL, 0, 0, OC],
  ['IMUL2', INLINE, 0, 0, OC],
  ['IMUL3', INLINE, 0, 0, OC],
  ['DIV', CALL, 0, 0, SZAP],
  ['IDIV', CALL, 0, 0, SZAP],
  // Shifts and rotates (GRP2 order: /0../7, /6 decodes as SHL)
  ['ROL', CALL, 0, OC, OC],
  ['ROR', CALL, 0, OC, OC],
  ['RCL', CALL, 0, OC, OC],
  ['RCR', CALL, 0, OC, OC],
  ['SHL', INLINE, 0, ARITH, ARITH],
  ['SHR', INLINE, 0, ARITH, ARITH],
  ['SAR', INLINE, 0, ARITH, ARITH],
  ['SHLD', CALL, 0, ARITH, ARITH],
  ['SHRD', CALL, 0, ARITH, ARITH],
  // Bit operations
  ['BT', CALL, 0, 0, CF],
  ['BTS', CALL, 0, 0, CF],
  ['BTR', CALL, 0, 0, CF],
  ['BTC', CALL, 0, 0, CF],
  ['BSF', CALL, 0, 0, ARITH],
  ['BSR', CALL, 0, 0, ARITH],
  ['TZCNT', CALL, 0, 0, SZAPC],
  ['LZCNT', CALL, 0, 0, SZAPC],
  ['POPCNT', CALL, 0, 0, ARITH],
  ['BSWAP', CALL, 0, 0, 0],
  // BCD (invalid in 64-bit mode)
  ['DAA', CALL, 0, AF | CF, ARITH],
  ['DAS', CALL, 0, AF | CF, ARITH],
  ['AAA', CALL, 0, AF, AF | CF],
  ['AAS', CALL, 0, AF, AF | CF],
  ['AAM', CALL, 0, 0, ARITH],
  ['AAD', CALL, 0, 0, ARITH],
  ['SALC', CALL, 0, CF, 0],
  // Data movement
  ['MOV', INLINE, 0, 0, 0],
  ['MOVZX', INLINE, 0, 0, 0],
  ['MOVSX', INLINE, 0, 0, 0],
  ['MOVSXD', INLINE, 0, 0, 0],
  ['CBW', CALL, 0, 0, 0],
  ['CWD', CALL, 0, 0, 0],
  ['LEA', INLINE, 0, 0, 0],
  ['XCHG', CALL, 0, 0, 0],
  ['CMPXCHG', CALL, 0, 0, ARITH],
  ['CMPXCHG8B', CALL, 0, 0, ZF],
  ['CMPXCHG16B', CALL, 0, 0, ZF],
  ['XADD', CALL, 0, 0, ARITH],
  ['XLAT', CALL, 0, 0, 0],
  ['MOVNTI', CALL, 0, 0, 0],
  // Stack
  ['PUSH', INLINE, 0, 0, 0],
  ['POP', INLINE, 0, 0, 0],
  ['PUSHF', CALL, 0, ALL, 0],
  ['POPF', NEVER, 0, 0, ALL],
  ['PUSHA', CALL, 0, 0, 0],
  ['POPA', CALL, 0, 0, 0],
  ['ENTER', CALL, 0, 0, 0],
  ['LEAVE', CALL, 0, 0, 0],
  // Control transfer (condition code = insn.opcode & 0xF for JCC/SETCC/CMOVCC)
  ['CALL', INLINE, 1, 0, 0],
  ['CALLF', NEVER, 0, 0, 0],
  ['JMP', INLINE, 1, 0, 0],
  ['JMPF', NEVER, 0, 0, 0],
  ['RET', INLINE, 1, 0, 0],
  ['RETF', NEVER, 0, 0, 0],
  ['JCC', INLINE, 1, OSZPC, 0],
  ['SETCC', INLINE, 0, OSZPC, 0],
  ['CMOVCC', INLINE, 0, OSZPC, 0],
  ['LOOP', CALL, 1, 0, 0],
  ['LOOPE', CALL, 1, ZF, 0],
  ['LOOPNE', CALL, 1, ZF, 0],
  ['JRCXZ', CALL, 1, 0, 0],
  // Strings (REP/REPE/REPNE from insn.prefixes)
  ['MOVS', CALL, 1, DF, 0],
  ['STOS', CALL, 1, DF, 0],
  ['LODS', CALL, 1, DF, 0],
  ['CMPS', CALL, 1, DOSZAPC, ARITH],
  ['SCAS', CALL, 1, DOSZAPC, ARITH],
  ['INS', NEVER, 0, DF, 0],
  ['OUTS', NEVER, 0, DF, 0],
  // I/O
  ['IN', NEVER, 0, 0, 0],
  ['OUT', NEVER, 0, 0, 0],
  // System
  ['CPUID', NEVER, 0, 0, 0],
  ['RDTSC', NEVER, 0, 0, 0],
  ['RDTSCP', NEVER, 0, 0, 0],
  ['RDMSR', NEVER, 0, 0, 0],
  ['WRMSR', NEVER, 0, 0, 0],
  ['RDPMC', NEVER, 0, 0, 0],
  ['MOV_CR', NEVER, 0, 0, 0],
  ['MOV_DR', NEVER, 0, 0, 0],
  ['MOV_SEG', NEVER, 0, 0, 0],
  ['LGDT', NEVER, 0, 0, 0],
  ['LIDT', NEVER, 0, 0, 0],
  ['SGDT', NEVER, 0, 0, 0],
  ['SIDT', NEVER, 0, 0, 0],
  ['LLDT', NEVER, 0, 0, 0],
  ['SLDT', NEVER, 0, 0, 0],
  ['LTR', NEVER, 0, 0, 0],
  ['STR', NEVER, 0, 0, 0],
  ['SMSW', NEVER, 0, 0, 0],
  ['LMSW', NEVER, 0, 0, 0],
  ['CLTS', NEVER, 0, 0, 0],
  ['INVLPG', NEVER, 0, 0, 0],
  ['VERR', NEVER, 0, 0, ZF],
  ['VERW', NEVER, 0, 0, ZF],
  ['LAR', NEVER, 0, 0, ZF],
  ['LSL', NEVER, 0, 0, ZF],
  ['ARPL', NEVER, 0, 0, ZF],
  ['BOUND', NEVER, 0, 0, 0],
  ['INT', NEVER, 0, ALL, ALL],
  ['INT3', NEVER, 0, ALL, ALL],
  ['INTO', NEVER, 0, ALL, ALL],
  ['INT1', NEVER, 0, ALL, ALL],
  ['IRET', NEVER, 0, 0, ALL],
  ['SYSCALL', NEVER, 0, ALL, ALL],
  ['SYSRET', NEVER, 0, 0, ALL],
  ['SYSENTER', NEVER, 0, 0, ALL],
  ['SYSEXIT', NEVER, 0, 0, 0],
  ['SWAPGS', NEVER, 0, 0, 0],
  ['RDFSBASE', NEVER, 0, 0, 0],
  ['RDGSBASE', NEVER, 0, 0, 0],
  ['WRFSBASE', NEVER, 0, 0, 0],
  ['WRGSBASE', NEVER, 0, 0, 0],
  ['HLT', NEVER, 0, 0, 0],
  ['CLI', NEVER, 0, 0, IF],
  ['STI', NEVER, 0, 0, IF],
  ['CLAC', NEVER, 0, 0, AC],
  ['STAC', NEVER, 0, 0, AC],
  ['XGETBV', NEVER, 0, 0, 0],
  ['XSETBV', NEVER, 0, 0, 0],
  ['MONITOR', NEVER, 0, 0, 0],
  ['MWAIT', NEVER, 0, 0, 0],
  ['RDPID', NEVER, 0, 0, 0],
  ['RSM', NEVER, 0, 0, ALL],
  ['UD0', NEVER, 0, 0, 0],
  ['UD1', NEVER, 0, 0, 0],
  ['UD2', NEVER, 0, 0, 0],
  // Flags
  ['CLC', CALL, 0, 0, CF],
  ['STC', CALL, 0, 0, CF],
  ['CMC', CALL, 0, CF, CF],
  ['CLD', CALL, 0, 0, DF],
  ['STD', CALL, 0, 0, DF],
  ['SAHF', CALL, 0, 0, SZAPC],
  ['LAHF', CALL, 0, SZAPC, 0],
  // Hints, fences, caches
  ['NOP', NOTHING, 0, 0, 0],
  ['PAUSE', NOTHING, 0, 0, 0],
  ['LFENCE', NOTHING, 0, 0, 0],
  ['MFENCE', NOTHING, 0, 0, 0],
  ['SFENCE', NOTHING, 0, 0, 0],
  ['CLFLUSH', CALL, 0, 0, 0],
  ['PREFETCH', NOTHING, 0, 0, 0],
  ['WBINVD', NEVER, 0, 0, 0],
  ['INVD', NEVER, 0, 0, 0],
  ['RDRAND', NEVER, 0, 0, ARITH],
  ['RDSEED', NEVER, 0, 0, ARITH],
  // Far-pointer loads
  ['LES', NEVER, 0, 0, 0],
  ['LDS', NEVER, 0, 0, 0],
  ['LSS', NEVER, 0, 0, 0],
  ['LFS', NEVER, 0, 0, 0],
  ['LGS', NEVER, 0, 0, 0],
  // x87 control (enough for kernels)
  ['FNINIT', NEVER, 0, 0, 0],
  ['FNSTSW', NEVER, 0, 0, 0],
  ['FNSTCW', NEVER, 0, 0, 0],
  ['FLDCW', NEVER, 0, 0, 0],
  ['FNCLEX', NEVER, 0, 0, 0],
  ['WAIT', NEVER, 0, 0, 0],
  // SSE state and the moves kernels use in memcpy/memset paths
  ['FXSAVE', CALL, 0, 0, 0],
  ['FXRSTOR', CALL, 0, 0, 0],
  ['LDMXCSR', CALL, 0, 0, 0],
  ['STMXCSR', CALL, 0, 0, 0],
  ['XSAVE', CALL, 0, 0, 0],
  ['XRSTOR', CALL, 0, 0, 0],
  ['MOVAPS', CALL, 0, 0, 0],
  ['MOVUPS', CALL, 0, 0, 0],
  ['MOVDQA', CALL, 0, 0, 0],
  ['MOVDQU', CALL, 0, 0, 0],
  ['MOVD', CALL, 0, 0, 0],
  ['MOVQ', CALL, 0, 0, 0],
  ['MOVNTDQ', CALL, 0, 0, 0],
  ['MOVNTPS', CALL, 0, 0, 0],
  ['PXOR', CALL, 0, 0, 0],
  ['XORPS', CALL, 0, 0, 0],
] as const satisfies readonly (readonly [
  name: string,
  compile: number,
  endsRegion: 0 | 1,
  reads: number,
  writes: number,
])[];

type OpName = (typeof ROWS)[number][0];

/** The op ids by name: Op.ADD etc. (a frozen object, so a reference to an unknown name does not compile). */
export const Op: { readonly [K in OpName]: number } = Object.freeze(
  Object.fromEntries(ROWS.map((row, id) => [row[0], id])) as { [K in OpName]: number },
);
export type Op = number;

/** Number of operations (ids are 0..OP_COUNT-1). */
export const OP_COUNT = ROWS.length;

/** Compile.* of each op. */
export const COMPILE = Uint8Array.from(ROWS, (row) => row[1]);
/** 1 where control may leave a region after the op unless it is emitted inline as a branch. */
export const ENDS_BLOCK = Uint8Array.from(ROWS, (row) => row[2]);
/** RFLAGS bits each op reads / may write (see ROWS). */
export const FLAGS_READ = Int32Array.from(ROWS, (row) => row[3]);
export const FLAGS_WRITTEN = Int32Array.from(ROWS, (row) => row[4]);

/** The ops a region treats as `compile` (a Compile value), in id order. */
export function opsCompiled(compile: number): number[] {
  const ops: number[] = [];
  for (let op = 0; op < OP_COUNT; op++) if (COMPILE[op] === compile) ops.push(op);
  return ops;
}

/** The op's name as written in Op (e.g. 'CMPXCHG16B'), for `--stats` and error messages. */
export function opName(op: number): string {
  return ROWS[op]?.[0] ?? `op#${op}`;
}
