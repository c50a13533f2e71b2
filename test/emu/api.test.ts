// The emu backend through the KVM-shaped API: VM/memory/vCPU lifecycle, register round trips, and each
// exit kind (IO out/in with KVM's completion on the next run, MMIO read/write, HLT, SHUTDOWN on a triple
// fault, INTR from a kick), external interrupt injection, KVM_TRANSLATE, and a worker attaching to the VM.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Cap, ExitReason, GUESTDBG_VALID_MASK, IoDirection, kick, openHypervisor } from '../../src/index.js';
import { assemble, CODE, haltedVector, longModeGuest, zeroRegs } from './emu-harness.js';

describe('emu API', () => {
  it('reports KVM capabilities and API version', () => {
    const hv = openHypervisor({ backend: 'emu' });
    assert.equal(hv.apiVersion(), 12);
    assert.equal(hv.checkExtension(Cap.SetGuestDebug), 1);
    assert.equal(hv.checkExtension(Cap.SetGuestDebug2), GUESTDBG_VALID_MASK);
    assert.equal(hv.checkExtension(Cap.Irqchip), 0);
    assert.ok(hv.supportedCpuid().some((e) => e.function === 0x80000001 && (e.edx & (1 << 29)) !== 0));
  });

  it('round-trips regs and sregs', () => {
    const hv = openHypervisor({ backend: 'emu' });
    const vm = hv.createVm();
    vm.addMemory({ guestPhysAddr: 0n, size: 1 << 20 });
    const vcpu = vm.createVcpu(0);
    const r = zeroRegs();
    r.rax = 0xfedcba9876543210n;
    r.r15 = 0x8000000000000001n;
    r.rip = 0xffffffff80001000n;
    r.rflags = 0x202n;
    vcpu.setRegs(r);
    assert.deepEqual(vcpu.getRegs(), r);
    const s = vcpu.getSregs();
    s.cr3 = 0x123000n;
    s.fs.base = 0xffff888000000000n;
    vcpu.setSregs(s);
    const s2 = vcpu.getSregs();
    assert.equal(s2.cr3, 0x123000n);
    assert.equal(s2.fs.base, 0xffff888000000000n);
    assert.throws(() => vm.addMemory({ guestPhysAddr: 0x80000n, size: 1 << 20 }), /EEXIST/);
  });

  it('OUT exits carry the data with rip still on the OUT; IN data is consumed by the next run', () => {
    const g = longModeGuest(assemble('mov $0x1234, %ax\n out %ax, $0x80\n mov $0x3f8, %dx\n in %dx, %al\n hlt'));
    const e1 = g.vcpu.run();
    assert.equal(e1.reason, ExitReason.Io);
    if (e1.reason !== ExitReason.Io) return;
    assert.equal(e1.io.direction, IoDirection.Out);
    assert.equal(e1.io.port, 0x80);
    assert.equal(e1.io.size, 2);
    assert.deepEqual([...e1.io.data], [0x34, 0x12]);
    assert.equal(g.vcpu.getRegs().rip, BigInt(CODE + 4), 'KVM leaves rip on the OUT until the next KVM_RUN');
    const e2 = g.vcpu.run();
    assert.equal(e2.reason, ExitReason.Io);
    if (e2.reason !== ExitReason.Io) return;
    assert.equal(e2.io.direction, IoDirection.In);
    assert.equal(e2.io.port, 0x3f8);
    e2.io.data[0] = 0x5a;
    const e3 = g.vcpu.run();
    assert.equal(e3.reason, ExitReason.Hlt);
    assert.equal(g.vcpu.getRegs().rax & 0xffffn, 0x125an);
  });

  it('accesses outside RAM are MMIO exits; a read is completed with the caller data', () => {
    const g = longModeGuest(assemble('movabs $0x20000000, %rbx\n movl $0xdeadbeef, (%rbx)\n mov 8(%rbx), %ecx\n hlt'));
    const w = g.vcpu.run();
    assert.equal(w.reason, ExitReason.Mmio);
    if (w.reason !== ExitReason.Mmio) return;
    assert.equal(w.mmio.isWrite, true);
    assert.equal(w.mmio.physAddr, 0x20000000n);
    assert.deepEqual([...w.mmio.data], [0xef, 0xbe, 0xad, 0xde]);
    const r = g.vcpu.run();
    assert.equal(r.reason, ExitReason.Mmio);
    if (r.reason !== ExitReason.Mmio) return;
    assert.equal(r.mmio.isWrite, false);
    assert.equal(r.mmio.physAddr, 0x20000008n);
    r.mmio.data.set([1, 2, 3, 4]);
    assert.equal(g.vcpu.run().reason, ExitReason.Hlt);
    assert.equal(g.vcpu.getRegs().rcx, 0x04030201n);
  });

  it('a triple fault is KVM_EXIT_SHUTDOWN', () => {
    const g = longModeGuest(assemble('ud2'));
    const s = g.vcpu.getSregs();
    s.idt = { base: 0n, limit: 0 };
    g.vcpu.setSregs(s);
    assert.equal(g.vcpu.run().reason, ExitReason.Shutdown);
  });

  it('a kick makes run() return INTR, even from a spinning guest', () => {
    const g = longModeGuest(assemble('1: jmp 1b'));
    kick(g.vcpu.kicker());
    assert.equal(g.vcpu.run().reason, ExitReason.Intr);
    // Kick from another thread while run() spins.
    const flag = g.vcpu.kicker().flag!;
    const w = new Worker(
      'const { workerData } = require("node:worker_threads"); setTimeout(() => Atomics.store(new Int32Array(workerData), 0, 1), 100);',
      { eval: true, workerData: flag },
    );
    assert.equal(g.vcpu.run().reason, ExitReason.Intr);
    void w.terminate();
  });

  it('delivers an injected interrupt once IF = 1 (after the STI shadow)', () => {
    const g = longModeGuest(assemble('sti\n nop\n 1: jmp 1b'));
    g.vcpu.interrupt(0x40);
    assert.throws(() => g.vcpu.interrupt(0x41), /EEXIST/);
    assert.equal(g.vcpu.run().reason, ExitReason.Hlt);
    assert.equal(haltedVector(g), 0x40);
    // The frame's return address is the instruction after the one in the STI shadow (the nop).
    const rsp = Number(g.vcpu.getRegs().rsp);
    const view = new DataView(g.ram.buffer);
    assert.equal(view.getBigUint64(rsp, true), BigInt(CODE + 2));
  });

  it('request_interrupt_window: IRQ_WINDOW_OPEN once IF = 1 outside a shadow', () => {
    const g = longModeGuest(assemble('cli\n nop\n sti\n nop\n 1: jmp 1b'));
    g.vcpu.setRequestInterruptWindow(true);
    assert.equal(g.vcpu.readyForInterruptInjection(), false);
    assert.equal(g.vcpu.run().reason, ExitReason.IrqWindowOpen);
    // The window opens after the instruction in the STI shadow: rip is past the nop.
    assert.equal(g.vcpu.getRegs().rip, BigInt(CODE + 4));
    assert.equal(g.vcpu.readyForInterruptInjection(), true);
    g.vcpu.setRequestInterruptWindow(false);
    g.vcpu.interrupt(0x20);
    assert.equal(g.vcpu.run().reason, ExitReason.Hlt);
    assert.equal(haltedVector(g), 0x20);
  });

  it('KVM_TRANSLATE walks the guest page tables', () => {
    const g = longModeGuest(assemble('hlt'));
    const t = g.vcpu.translate(0x123456n);
    assert.equal(t.valid, true);
    assert.equal(t.physicalAddress, 0x123456n);
    assert.equal(t.writeable, true);
    assert.equal(g.vcpu.translate(0x8000000000n).valid, false);
  });

  it('a worker thread attaches to the same RAM and runs a vCPU there', async () => {
    const g = longModeGuest(assemble('hlt'));
    const handle = g.vm.handle();
    const url = new URL('../../src/index.js', import.meta.url).href;
    const src = `
      import { workerData, parentPort } from 'node:worker_threads';
      const { attachVm } = await import(${JSON.stringify(url)});
      const vm = attachVm(workerData);
      const ram = vm.regions()[0].memory;
      ram[0x200] = 0x77;
      parentPort.postMessage(vm.createVcpu(1).getRegs().rip.toString());
    `;
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), { workerData: handle });
    const msg = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.equal(typeof msg, 'string');
    assert.equal(g.ram[0x200], 0x77);
    await w.terminate();
  });
});

describe('emu MMIO completion', () => {
  it('an instruction reading MMIO twice (CMPSB) completes with both answers', () => {
    const g = longModeGuest(assemble('movabs $0x20000000, %rsi\n movabs $0x20001000, %rdi\n cmpsb\n sete %al\n hlt'));
    const answers = new Map([
      [0x20000000n, 7],
      [0x20001000n, 7],
    ]);
    const seen: bigint[] = [];
    for (;;) {
      const e = g.vcpu.run();
      if (e.reason === ExitReason.Hlt) break;
      assert.equal(e.reason, ExitReason.Mmio);
      if (e.reason !== ExitReason.Mmio) return;
      seen.push(e.mmio.physAddr);
      e.mmio.data[0] = answers.get(e.mmio.physAddr)!;
    }
    assert.deepEqual(seen, [0x20000000n, 0x20001000n]);
    assert.equal(g.vcpu.getRegs().rax & 0xffn, 1n);
    assert.equal(g.vcpu.getRegs().rsi, 0x20000001n);
  });
});
