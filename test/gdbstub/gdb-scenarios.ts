// gdb scripts run unchanged against QEMU TCG's stub (the reference) and guestdbg's: each prints STOP lines with
// the facts that must agree (where it stopped, key registers, memory). DESIGN.md: "same image, same gdb script,
// same stops". QEMU's microvm starts in its firmware, so every script first runs to a label of the guest.

export interface GdbScenario {
  name: string;
  guest: string;
  commands: string[];
}

/** Prints where we are and the registers a stop must agree on. */
const state = (tag: string) =>
  `printf "STOP ${tag} pc=%lx rax=%lx rbx=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx rsp=%lx r12=%lx cs=%x ss=%x\\n", $pc, $rax, $rbx, $rcx, $rdx, $rsi, $rdi, $rsp, $r12, $cs, $ss`;

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
];
