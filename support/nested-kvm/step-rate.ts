// Inside the nested guest: the single-step rate through the kvm backend's vcpu.run(), on the guest that
// step-loop.c steps with raw ioctls (real mode at 0x1000: inc %ax; jmp .-3). Usage: step-rate.js STEPS
import { ExitReason, GuestDbg, openHypervisor } from '../../src/index.js';

const CODE = 0x1000;
const LOOP = [0x40, 0xeb, 0xfd]; // inc %ax; jmp .-3
const TSS_ADDR = 0xfffb_d000n;

const steps = Number(process.argv[2] ?? 100_000);
const hv = openHypervisor({ backend: 'kvm' });
const vm = hv.createVm();
vm.setTssAddr(TSS_ADDR);
vm.addMemory({ guestPhysAddr: 0n, size: 0x1_0000 }).set(LOOP, CODE);
const vcpu = vm.createVcpu(0);
const s = vcpu.getSregs();
vcpu.setSregs({ ...s, cs: { ...s.cs, base: 0n, selector: 0 } });
vcpu.setRegs({ ...vcpu.getRegs(), rip: BigInt(CODE), rflags: 2n });
vcpu.setGuestDebug({ control: GuestDbg.Enable | GuestDbg.SingleStep, debugreg: new Array<bigint>(8).fill(0n) });
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const exit = vcpu.run();
  if (exit.reason !== ExitReason.Debug) throw new Error(`step ${i}: exit reason ${exit.reason}, not KVM_EXIT_DEBUG`);
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`step-rate vcpu.run ${Math.round(steps / seconds)}\n`);
vm.close();
hv.close();
