// The hook points the CPU offers the debug unit (src/backends/emu/debug/).
// Cost when nothing is armed: one boolean per instruction (`active`), one per TLB miss (`watchActive`),
// one per IN/OUT (`ioActive`). Every method may throw FAULT (after cpu.raise/queue) or EXIT (after
// setting the CPU's pending exit) to stop the instruction.
import type { DebugRegs, GuestDebug } from '../../abi/index.js';

export interface DebugUnit {
  /** Call beforeInsn()/afterInsn() around every instruction. */
  readonly active: boolean;
  /** Data watchpoints are armed: the CPU calls dataAccess() for every data access on pages watchesPage()
   *  says are watched (such pages are never cached in the TLB, so the fast path needs no check). */
  readonly watchActive: boolean;
  /** I/O breakpoints are armed: the CPU calls ioAccess() at IN/OUT/INS/OUTS. */
  readonly ioActive: boolean;

  /** Before the instruction at cpu.rip (linear address `la`) executes: instruction breakpoints (faults),
   *  host single-step bookkeeping. `resumed` is true when the instruction is re-executed after an exit
   *  (IN/MMIO read completion): breakpoints must not fire twice. */
  beforeInsn(la: number, resumed: boolean): void;
  /** After an instruction retired (rip = the next one, rflags as left by it): trap-class #DB (TF/BS, data and
   *  I/O matches recorded during it), host single-step exits. `tfBefore` is RFLAGS.TF before it ran. */
  afterInsn(tfBefore: boolean): void;
  /** A data access of `size` bytes at linear `la` (fetches excluded) touching a page watchesPage() names. */
  dataAccess(la: number, size: number, write: boolean): void;
  /** Whether any watchpoint covers a byte of the 4 KiB page holding `la`. */
  watchesPage(la: number): boolean;
  /** An I/O access (IN/OUT/INS/OUTS) to `port` of `size` bytes. */
  ioAccess(port: number, size: number): void;

  /** Whether a compiled block (jit/) may run the code on the page of linear `la` although `active` is true:
   *  nothing needs every instruction (single-step, TF/RF, held traps) and no execution breakpoint is on that
   *  page. Data and I/O matches inside a block set cpu.trapPending; the block then ends after that
   *  instruction and the CPU calls afterInsn(). */
  blocksAt(la: number): boolean;
  /** Forget the matches of an instruction that faulted (cpu.trapPending was set). */
  dropTraps(): void;

  /** MOV from DRn (n = 0..7; the unit applies DR4/5 aliasing, CR4.DE #UD and GD #DB). Returns the value;
   *  64-bit DR0-3 values are signed canonical doubles. */
  readDr(n: number): number;
  /** MOV to DRn with the 64-bit source (lo, hi): #GP for reserved bits, GD, aliasing as readDr. */
  writeDr(n: number, lo: number, hi: number): void;
  /** INT3 (0xCC) or INT 3 (`int n` form when `intN`) is about to raise #BP at the current rip: may exit (USE_SW_BP). */
  breakpoint(intN: boolean): void;
  /** The CPU is about to deliver exception `vector` to the guest (faults and traps alike): returns true when
   *  the unit took it instead (it then threw EXIT or arranged the exit itself). `kind` is the EventKind
   *  (cpu/interrupts.ts): INT n / INT3 (Software) and ICEBP (Icebp) are told apart from raised exceptions. */
  interceptException(vector: number, kind: number): boolean;
  /** Interrupts must not be delivered now (KVM_GUESTDBG_BLOCKIRQ while single-stepping). */
  blockIrq(): boolean;

  getDebugRegs(): DebugRegs;
  setDebugRegs(regs: DebugRegs): void;
  setGuestDebug(dbg: GuestDebug): void;
}
