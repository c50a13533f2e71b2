// The layout oracle: gcc compiles <linux/kvm.h> and prints every size, offset and number this backend encodes;
// each must equal our constant. Guards against a typo in a hand-written offset silently corrupting a struct.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cap, ExitReason, GuestDbg } from '../../src/abi/index.js';
import { KVM_IOCTLS } from '../../src/backends/kvm/ioctls.js';
import {
  MAP_ANONYMOUS,
  MAP_NORESERVE,
  MAP_PRIVATE,
  MAP_SHARED,
  O_CLOEXEC,
  O_RDWR,
  PROT_READ,
  PROT_WRITE,
  SIG_UNBLOCK,
} from '../../src/backends/kvm/libc.js';
import { KVM_CPUID_ENTRY2, KVM_CPUID2 } from '../../src/backends/kvm/structs/cpuid.js';
import { KVM_DEBUG_EXIT_ARCH, KVM_DEBUGREGS, KVM_GUEST_DEBUG } from '../../src/backends/kvm/structs/debug.js';
import { KVM_VCPU_EVENTS } from '../../src/backends/kvm/structs/events.js';
import { KVM_FPU } from '../../src/backends/kvm/structs/fpu.js';
import type { StructLayout } from '../../src/backends/kvm/structs/layout.js';
import {
  KVM_INTERRUPT_STRUCT,
  KVM_TRANSLATION,
  KVM_USERSPACE_MEMORY_REGION,
} from '../../src/backends/kvm/structs/misc.js';
import { KVM_MSR_ENTRY, KVM_MSRS } from '../../src/backends/kvm/structs/msrs.js';
import { KVM_REGS } from '../../src/backends/kvm/structs/regs.js';
import { KVM_RUN_STRUCT } from '../../src/backends/kvm/structs/run.js';
import { SIGACTION, SIGSET } from '../../src/backends/kvm/structs/signal.js';
import { KVM_DTABLE, KVM_SEGMENT, KVM_SREGS } from '../../src/backends/kvm/structs/sregs.js';
import { KVM_XSAVE } from '../../src/backends/kvm/structs/xsave.js';
import { KVM_API_VERSION } from '../../src/backends/kvm/system.js';

const KVM_HEADER = '/usr/include/linux/kvm.h';

const LAYOUTS: StructLayout[] = [
  KVM_REGS,
  KVM_SEGMENT,
  KVM_DTABLE,
  KVM_SREGS,
  KVM_FPU,
  KVM_XSAVE,
  KVM_MSRS,
  KVM_MSR_ENTRY,
  KVM_CPUID2,
  KVM_CPUID_ENTRY2,
  KVM_DEBUGREGS,
  KVM_GUEST_DEBUG,
  KVM_DEBUG_EXIT_ARCH,
  KVM_VCPU_EVENTS,
  KVM_TRANSLATION,
  KVM_USERSPACE_MEMORY_REGION,
  KVM_INTERRUPT_STRUCT,
  KVM_RUN_STRUCT,
  SIGACTION,
  SIGSET,
];

/** KVM_CAP_SET_GUEST_DEBUG2 from SetGuestDebug2, KVM_EXIT_IRQ_WINDOW_OPEN from IrqWindowOpen. */
function cName(prefix: string, camel: string): string {
  return prefix + camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The abi's KVM_GUESTDBG_* names that do not follow the camel-case rule. */
const GUESTDBG_C_NAMES: Record<keyof typeof GuestDbg, string> = {
  Enable: 'KVM_GUESTDBG_ENABLE',
  SingleStep: 'KVM_GUESTDBG_SINGLESTEP',
  UseSwBp: 'KVM_GUESTDBG_USE_SW_BP',
  UseHwBp: 'KVM_GUESTDBG_USE_HW_BP',
  InjectDb: 'KVM_GUESTDBG_INJECT_DB',
  InjectBp: 'KVM_GUESTDBG_INJECT_BP',
  BlockIrq: 'KVM_GUESTDBG_BLOCKIRQ',
};

/** name -> [C expression, our value] */
function expectations(): Map<string, [string, number]> {
  const m = new Map<string, [string, number]>();
  for (const l of LAYOUTS) {
    m.set(`sizeof ${l.cType}`, [`sizeof(${l.cType})`, l.size]);
    for (const [field, off] of Object.entries<number>(l.offsets)) {
      m.set(`offsetof ${l.cType}.${field}`, [`offsetof(${l.cType}, ${field})`, off]);
    }
  }
  for (const [name, code] of Object.entries(KVM_IOCTLS)) m.set(name, [name, code]);
  for (const [k, v] of Object.entries(Cap))
    if (!k.startsWith('Guestdbg')) m.set(cName('KVM_CAP_', k), [cName('KVM_CAP_', k), v]);
  for (const [k, v] of Object.entries(ExitReason)) m.set(cName('KVM_EXIT_', k), [cName('KVM_EXIT_', k), v]);
  for (const [k, c] of Object.entries(GUESTDBG_C_NAMES)) m.set(c, [c, GuestDbg[k as keyof typeof GuestDbg]]);
  m.set('KVM_API_VERSION', ['KVM_API_VERSION', KVM_API_VERSION]);
  const libcConstants = {
    O_RDWR,
    O_CLOEXEC,
    PROT_READ,
    PROT_WRITE,
    MAP_SHARED,
    MAP_PRIVATE,
    MAP_ANONYMOUS,
    MAP_NORESERVE,
    SIG_UNBLOCK,
  };
  for (const [name, value] of Object.entries(libcConstants)) m.set(name, [name, value]);
  return m;
}

function compileAndRun(exprs: Map<string, [string, number]>): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-kvm-layout-'));
  try {
    const lines = [...exprs].map(([key, [expr]]) => `  printf("%s=%llu\\n", "${key}", (unsigned long long)(${expr}));`);
    const src = [
      '#define _GNU_SOURCE',
      '#include <linux/kvm.h>',
      '#include <signal.h>',
      '#include <fcntl.h>',
      '#include <sys/mman.h>',
      '#include <stddef.h>',
      '#include <stdio.h>',
      'int main(void) {',
      ...lines,
      '  return 0;',
      '}',
    ].join('\n');
    writeFileSync(join(dir, 'oracle.c'), src);
    execFileSync('gcc', ['-o', join(dir, 'oracle'), join(dir, 'oracle.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out = execFileSync(join(dir, 'oracle'), { encoding: 'utf8' });
    return new Map(
      out
        .trim()
        .split('\n')
        .map((line) => {
          const eq = line.lastIndexOf('=');
          return [line.slice(0, eq), Number(line.slice(eq + 1))] as const;
        }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function haveGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('struct sizes, field offsets, ioctl numbers and constants match <linux/kvm.h>', (t) => {
  if (!haveGcc()) return t.skip('gcc is not installed: apt-get install gcc to run the layout oracle');
  if (!existsSync(KVM_HEADER)) return t.skip(`${KVM_HEADER} is missing: apt-get install linux-libc-dev`);
  const want = expectations();
  const got = compileAndRun(want);
  const wrong = [...want]
    .filter(([key, [, ours]]) => got.get(key) !== ours)
    .map(([key, [, ours]]) => `${key}: ours ${ours}, C ${got.get(key)}`);
  assert.deepEqual(wrong, []);
  assert.ok(want.size > 150, `the oracle checked only ${want.size} values`);
});

test('KVM_SET_GUEST_DEBUG is 0x4048AE9B (docs/guest-debug.md), independent of gcc', () => {
  assert.equal(KVM_IOCTLS.KVM_SET_GUEST_DEBUG, 0x4048ae9b);
  assert.equal(KVM_IOCTLS.KVM_RUN, 0xae80);
});
