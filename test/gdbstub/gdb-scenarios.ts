// gdb scripts run unchanged against QEMU TCG's stub (the reference) and guestdbg's: each prints STOP lines with
// the facts that must agree (where it stopped, key registers, memory): the same image and gdb script give the
// same stops (docs/architecture.md, "Tests and their oracles"). QEMU's microvm starts in its firmware, so every
// script first runs to a label of the guest.

export interface GdbScenario {
  name: string;
  guest: string;
  commands: string[];
}

/** Prints where we are and the registers a stop must agree on. */
const state = (tag: string) =>
  `printf "STOP ${tag} pc=%lx rax=%lx rbx=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx rsp=%lx r12=%lx cs=%x ss=%x\\n", $pc, $rax, $rbx, $rcx, $rdx, $rsi, $rdi, $rsp, $r12, $cs, $ss`;

/**
 * The same without rbx, for guests that never overwrite it: at the PVH entry rbx holds the address of
 * hvm_start_info, which each VMM places where it likes (QEMU 0xf31e0, guestdbg 0x6000).
 */
const stateNoRbx = (tag: string) =>
  `printf "STOP ${tag} pc=%lx rax=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx rsp=%lx r12=%lx cs=%x ss=%x\\n", $pc, $rax, $rcx, $rdx, $rsi, $rdi, $rsp, $r12, $cs, $ss`;

/** The system and x87/SSE registers kernel developers read: control registers, bases, selectors, flags. */
const system = (tag: string) =>
  `printf "STOP ${tag} cr0=%lx cr2=%lx cr3=%lx cr4=%lx cr8=%lx efer=%lx fs_base=%lx gs_base=%lx k_gs_base=%lx ds=%x es=%x fs=%x gs=%x eflags=%x mxcsr=%x fctrl=%x fstat=%x\\n", $cr0, $cr2, $cr3, $cr4, $cr8, $efer, $fs_base, $gs_base, $k_gs_base, $ds, $es, $fs, $gs, $eflags, $mxcsr, $fctrl, $fstat`;

const counter = (tag: string) => `printf "STOP ${tag} counter=%ld\\n", *(long *)&counter`;

export const SCENARIOS: GdbScenario[] = [
  {
    name: 'hbreak, continue, registers',
    guest: 'demo',
    commands: [
      'hbreak demo_loop',
      ...Array.from({ length: 3 }, (_, i) => ['continue', state(`hbreak${i}`), counter(`hbreak${i}`)]).flat(),
    ],
  },
  {
    name: 'break (Z0) on a called function, tbreak',
    guest: 'demo',
    commands: [
      'hbreak main',
      'continue',
      'delete',
      'break demo_func',
      'continue',
      state('break1'),
      'continue',
      state('break2'),
      'delete',
      'tbreak demo_store',
      'continue',
      state('tbreak'),
      'continue',
      state('after-tbreak-gone'),
    ],
  },
  {
    name: 'stepi and nexti over a call',
    guest: 'demo',
    commands: [
      'hbreak demo_loop',
      'continue',
      'delete',
      ...Array.from({ length: 6 }, (_, i) => ['stepi', state(`stepi${i}`)]).flat(),
      'nexti',
      state('nexti-past-call'),
      ...Array.from({ length: 3 }, (_, i) => ['nexti', state(`nexti${i}`)]).flat(),
    ],
  },
  {
    name: 'write watchpoint, access watchpoint',
    guest: 'demo',
    commands: [
      'hbreak main',
      'continue',
      'delete',
      'watch *(long *)&counter',
      'continue',
      state('watch1'),
      counter('watch1'),
      'continue',
      state('watch2'),
      'delete',
      'awatch *(long *)&counter',
      'continue',
      state('awatch1'),
      'continue',
      state('awatch2'),
    ],
  },
  {
    name: 'memory and register writes change the guest',
    guest: 'demo',
    commands: [
      'hbreak demo_store_done',
      'continue',
      'set var *(long *)&counter = 40',
      'x/2gx &counter',
      counter('set-var'),
      'set $rbx = 5',
      'delete',
      'hbreak demo_loop',
      'continue',
      state('after-set'),
      counter('after-set'),
    ],
  },
  {
    name: 'read watchpoint, system and x87/SSE registers',
    guest: 'demo',
    commands: [
      'hbreak demo_loop',
      'continue',
      system('at-loop'),
      'delete',
      'rwatch *(long *)&counter',
      'continue',
      state('rwatch1'),
      'continue',
      state('rwatch2'),
    ],
  },
  {
    name: "the guest's own int3 and faults, with gdb breakpoints elsewhere",
    guest: 'exceptions',
    commands: ['hbreak main', 'continue', 'delete', 'break df_fault', 'continue', stateNoRbx('at-df')],
  },
  {
    name: 'stepi into and out of an int3 the guest handles',
    guest: 'exceptions',
    commands: [
      'hbreak pf_done',
      'continue',
      'delete',
      ...Array.from({ length: 5 }, (_, i) => ['stepi', stateNoRbx(`stepi${i}`)]).flat(),
      'hbreak bp_done',
      'continue',
      stateNoRbx('bp-done'),
    ],
  },
  {
    name: 'finish, until, a software watchpoint gdb single-steps for',
    guest: 'demo',
    commands: [
      'hbreak demo_func',
      'continue',
      'finish',
      state('finish'),
      'until',
      state('until'),
      'delete',
      'watch $rbx',
      'continue',
      state('soft-watch'),
      'delete',
      'tbreak demo_store',
      'continue',
      state('tbreak-after-soft-watch'),
    ],
  },
];
