// Tests against a real /dev/kvm: a few real-mode instructions, single-stepped and breakpointed per
// docs/guest-debug.md, IO exits, kicks. Skipped (with the reason) on hosts without /dev/kvm.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  Cap,
  type Exit,
  ExitReason,
  GuestDbg,
  type Hypervisor,
  IoDirection,
  type Vcpu,
  type Vm,
} from '../../src/abi/index.js';
import { kickKvm, openKvm } from '../../src/backends/kvm/index.js';
import { probeSaysBroken } from './probe-verdict.js';
import type { WorkerJob } from './thread-worker.js';

const KVM_DEVICE = '/dev/kvm';
/** kvmtool's and Firecracker's choice: just below 4 GiB, outside guest RAM. */
const TSS_ADDR = 0xfffb_d000n;
const IDENTITY_MAP_ADDR = 0xfffb_c000n;
const CODE = 0x1000;
const COM1 = 0x3f8;
/** DR6 after a single step: reserved-1 bits | BS (docs/guest-debug.md, "The selftest scenario", step 4). */
const DR6_SINGLESTEP = 0xffff_4ff0n;
/** DR6 after hitting DR0: reserved-1 bits | B0 (scenario 2). */
const DR6_B0 = 0xffff_0ff1n;
/** DR7: bit 10 always 1 | G0 (exec breakpoint, len 1). */
const DR7_G0_EXEC = 0x402n;

// Real-mode code at CODE, with each instruction's address:
const PROGRAM = [
  [0xb8, 0x34, 0x12], // 0x1000 mov ax, 0x1234
  [0x40], //             0x1003 inc ax
  [0xba, 0xf8, 0x03], // 0x1004 mov dx, 0x3f8
  [0xee], //             0x1007 out dx, al
  [0xec], //             0x1008 in al, dx
  [0xf4], //             0x1009 hlt
  [0xeb, 0xfe], //       0x100a jmp $
].flat();
const HLT_AT = 0x1009;
const SPIN_AT = 0x100a;

function skipWithoutKvm(t: TestContext): boolean {
  if (existsSync(KVM_DEVICE)) return false;
  t.skip('no /dev/kvm on this host: these tests need a Linux host with KVM (kvm_intel or kvm_amd loaded)');
  return true;
}

interface Guest {
  hv: Hypervisor;
  vm: Vm;
  vcpu: Vcpu;
  ram: Uint8Array;
  close(): void;
}

/** One vCPU in real mode at CS:IP = 0:CODE, flat segments based at 0, the program in RAM. */
function bootRealMode(): Guest {
  const hv = openKvm(KVM_DEVICE);
  const vm = hv.createVm();
  vm.setTssAddr(TSS_ADDR);
  vm.setIdentityMapAddr(IDENTITY_MAP_ADDR);
  const ram = vm.addMemory({ guestPhysAddr: 0n, size: 0x10_0000 });
  ram.set(PROGRAM, CODE);
  const vcpu = vm.createVcpu(0);
  const s = vcpu.getSregs();
  for (const seg of [s.cs, s.ds, s.es, s.ss, s.fs, s.gs]) {
    seg.base = 0n;
    seg.selector = 0;
  }
  vcpu.setSregs(s);
  vcpu.setRegs({ ...vcpu.getRegs(), rip: BigInt(CODE), rflags: 2n, rsp: 0x8000n });
  return {
    hv,
    vm,
    vcpu,
    ram,
    close() {
      vm.close();
      hv.close();
    },
  };
}

function expectDebug(exit: Exit, pc: number, dr6: bigint): void {
  assert.equal(
    exit.reason,
    ExitReason.Debug,
    `expected a DEBUG exit, got ${JSON.stringify(exit, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`,
  );
  if (exit.reason !== ExitReason.Debug) return;
  assert.equal(exit.debug.exception, 1);
  assert.equal(exit.debug.pc, BigInt(pc));
  assert.equal(exit.debug.dr6, dr6);
}

test('capabilities: API 12, SET_GUEST_DEBUG, SET_GUEST_DEBUG2 mask, supported CPUID', (t) => {
  if (skipWithoutKvm(t)) return;
  const hv = openKvm(KVM_DEVICE);
  try {
    assert.equal(hv.apiVersion(), 12);
    assert.equal(hv.checkExtension(Cap.SetGuestDebug), 1);
    const mask = hv.checkExtension(Cap.SetGuestDebug2);
    t.diagnostic(`KVM_CAP_SET_GUEST_DEBUG2 = 0x${mask.toString(16)}`);
    assert.equal(mask & (GuestDbg.Enable | GuestDbg.SingleStep), GuestDbg.Enable | GuestDbg.SingleStep);
    assert.ok(hv.supportedCpuid().some((e) => e.function === 0));
  } finally {
    hv.close();
  }
});

test('single-step in real mode: one instruction per run, pc = next instruction, dr6 = BS; IO in/out between', (t) => {
  if (skipWithoutKvm(t)) return;
  const g = bootRealMode();
  try {
    const { vcpu } = g;
    vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.SingleStep | GuestDbg.BlockIrq,
      debugreg: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x400n],
    });
    expectDebug(vcpu.run(), 0x1003, DR6_SINGLESTEP);
    assert.equal(vcpu.getRegs().rax & 0xffffn, 0x1234n);
    expectDebug(vcpu.run(), 0x1004, DR6_SINGLESTEP);
    assert.equal(vcpu.getRegs().rax & 0xffffn, 0x1235n);
    expectDebug(vcpu.run(), 0x1007, DR6_SINGLESTEP);

    const out = vcpu.run();
    assert.ok(out.reason === ExitReason.Io, `expected IO out, got ${out.reason}`);
    assert.deepEqual(
      { ...out.io, data: [...out.io.data] },
      { direction: IoDirection.Out, size: 1, port: COM1, count: 1, data: [0x35] },
    );
    expectDebug(vcpu.run(), 0x1008, DR6_SINGLESTEP);

    const inp = vcpu.run();
    assert.ok(inp.reason === ExitReason.Io && inp.io.direction === IoDirection.In, `expected IO in, got ${inp.reason}`);
    inp.io.data[0] = 0x5a; // a view into kvm_run: KVM_RUN completes the IN with it
    expectDebug(vcpu.run(), HLT_AT, DR6_SINGLESTEP);
    assert.equal(vcpu.getRegs().rax & 0xffffn, 0x125an);

    vcpu.setGuestDebug({ control: 0, debugreg: [] });
    assert.equal(vcpu.run().reason, ExitReason.Hlt);
  } finally {
    g.close();
  }
});

test('hardware execution breakpoint in DR0: exit before the instruction, dr6 = B0, and it re-triggers', async (t) => {
  if (skipWithoutKvm(t)) return;
  const broken = await probeSaysBroken('USE_HW_BP exec DR0');
  if (broken) return t.skip(broken);
  const g = bootRealMode();
  try {
    const { vcpu } = g;
    vcpu.setGuestDebug({
      control: GuestDbg.Enable | GuestDbg.UseHwBp,
      debugreg: [0x1004n, 0n, 0n, 0n, 0n, 0n, 0n, DR7_G0_EXEC],
    });
    expectDebug(vcpu.run(), 0x1004, DR6_B0);
    assert.equal(vcpu.getRegs().rip, 0x1004n, 'fault-like: rip still at the breakpoint');
    expectDebug(vcpu.run(), 0x1004, DR6_B0);
  } finally {
    g.close();
  }
});

test('unknown KVM_SET_GUEST_DEBUG control bits are accepted: x86 KVM checks none (arm64 and loongarch do)', (t) => {
  if (skipWithoutKvm(t)) return;
  const g = bootRealMode();
  try {
    for (const control of [0x5, 0x4, 0x20_0001, 0x8000_0001])
      g.vcpu.setGuestDebug({ control, debugreg: new Array<bigint>(8).fill(0n) });
  } finally {
    g.close();
  }
});

test('kicks: before run() -> Intr at once; from a worker while spinning -> Intr; then the vCPU runs on', async (t) => {
  if (skipWithoutKvm(t)) return;
  const g = bootRealMode();
  try {
    const { vcpu } = g;
    kickKvm(vcpu.kicker());
    assert.equal(vcpu.run().reason, ExitReason.Intr);

    vcpu.setRegs({ ...vcpu.getRegs(), rip: BigInt(SPIN_AT) });
    const job: WorkerJob = { mode: 'kick-after', kicker: vcpu.kicker(), delayMs: 200 };
    const w = new Worker(new URL('./thread-worker.js', import.meta.url), { workerData: job });
    await new Promise((resolve) => w.once('online', resolve));
    assert.equal(vcpu.run().reason, ExitReason.Intr, 'the worker kick ends the spinning KVM_RUN');
    await w.terminate();

    vcpu.setRegs({ ...vcpu.getRegs(), rip: BigInt(HLT_AT) });
    assert.equal(vcpu.run().reason, ExitReason.Hlt, 'immediate_exit was cleared after the Intr');
  } finally {
    g.close();
  }
});

test('a worker attaches through vm.handle(), creates vCPU 1 there and runs it to HLT', async (t) => {
  if (skipWithoutKvm(t)) return;
  const g = bootRealMode();
  try {
    const job: WorkerJob = { mode: 'attach-run', handle: g.vm.handle(), vcpuId: 1, rip: HLT_AT };
    const w = new Worker(new URL('./thread-worker.js', import.meta.url), { workerData: job });
    const reply = await new Promise<{ reason: number; rip: bigint }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    assert.deepEqual(reply, { reason: ExitReason.Hlt, rip: BigInt(HLT_AT + 1) });
  } finally {
    g.close();
  }
});

test('register, debug-register, event, MSR state round-trips; translate is identity in real mode', (t) => {
  if (skipWithoutKvm(t)) return;
  const g = bootRealMode();
  try {
    const { vcpu } = g;
    const regs = { ...vcpu.getRegs(), rbx: 0x1122_3344_5566_7788n, r15: 0xffff_ffff_ffff_fff0n };
    vcpu.setRegs(regs);
    assert.deepEqual(vcpu.getRegs(), regs);
    const sregs = vcpu.getSregs();
    vcpu.setSregs(sregs);
    assert.deepEqual(vcpu.getSregs(), sregs);
    const dr = { ...vcpu.getDebugRegs(), db: [0x1000n, 0x2000n, 0n, 0n] as [bigint, bigint, bigint, bigint] };
    vcpu.setDebugRegs(dr);
    assert.deepEqual(vcpu.getDebugRegs().db, dr.db);
    const ev = vcpu.getVcpuEvents();
    vcpu.setVcpuEvents(ev);
    assert.deepEqual(vcpu.getVcpuEvents().exception, ev.exception);
    const TSC = 0x10;
    assert.equal(vcpu.setMsrs([{ index: TSC, data: 1_000_000n }]), 1);
    assert.equal(vcpu.getMsrs([TSC]).length, 1);
    const tr = vcpu.translate(0x1234n);
    assert.equal(tr.valid, true);
    assert.equal(tr.physicalAddress, 0x1234n);
    assert.equal(g.vm.handle().regions[0].hostAddress !== undefined, true);
  } finally {
    g.close();
  }
});

// Real-mode code at FPU_CODE (bytes from `as --32` with .code16, objdump -d -Mi8086):
const FPU_CODE = 0x1100;
const FPU_PROGRAM = [
  [0x0f, 0xae, 0x1e, 0x00, 0x20], //       stmxcsr 0x2000
  [0x0f, 0xae, 0x16, 0x04, 0x20], //       ldmxcsr 0x2004
  [0x66, 0x0f, 0x7e, 0x06, 0x08, 0x20], // movd %xmm0, 0x2008
  [0xf4], //                               hlt
].flat();
/** CR4.OSFXSR (bit 9): without it SSE instructions raise #UD (SDM Vol. 3 2.5). */
const CR4_OSFXSR = 0x200n;

test('getFpu/setFpu carry MXCSR, XMM and x87 state to the guest and back (KVM_SET_FPU drops MXCSR on x86)', (t) => {
  if (skipWithoutKvm(t)) return;
  const g = bootRealMode();
  try {
    const { vcpu } = g;
    const ram = new DataView(g.ram.buffer, g.ram.byteOffset, g.ram.byteLength);
    vcpu.setSregs({ ...vcpu.getSregs(), cr4: vcpu.getSregs().cr4 | CR4_OSFXSR });
    const before = vcpu.getFpu();
    const xmm = before.xmm.map((_, i) => Uint8Array.from({ length: 16 }, (_, j) => (0x40 + i * 16 + j) & 0xff));
    const fpr = before.fpr.map((_, i) => Uint8Array.from({ length: 16 }, (_, j) => (j < 10 ? 0x11 * (i + 1) + j : 0)));
    const want = { ...before, mxcsr: 0x1fa0, fcw: 0x27f, xmm, fpr, ftwx: 0xff };
    vcpu.setFpu(want);
    assert.deepEqual(vcpu.getFpu(), want, 'getFpu() reads back what setFpu() wrote');
    g.ram.set(FPU_PROGRAM, FPU_CODE);
    ram.setUint32(0x2004, 0x1f81, true);
    vcpu.setRegs({ ...vcpu.getRegs(), rip: BigInt(FPU_CODE) });
    assert.equal(vcpu.run().reason, ExitReason.Hlt);
    assert.equal(ram.getUint32(0x2000, true).toString(16), '1fa0', 'the guest stmxcsr sees setFpu MXCSR');
    assert.equal(ram.getUint32(0x2008, true), new DataView(xmm[0]!.buffer).getUint32(0, true), 'xmm0');
    assert.equal(vcpu.getFpu().mxcsr.toString(16), '1f81', 'getFpu() sees the guest ldmxcsr');
  } finally {
    g.close();
  }
});
