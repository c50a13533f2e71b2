// Cross-backend traces (issue 4): every guest single-stepped from its entry on emu and on kvm, comparing rip,
// every GPR and rflags at every step. A difference is a bug in one of the two; the failure names the first
// diverging step. Skipped, with the reason, where /dev/kvm cannot be opened or its single-step does not work.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import {
  type Exit,
  ExitReason,
  GuestDbg,
  type Hypervisor,
  openHypervisor,
  REG_NAMES,
  type Regs,
} from '../../src/index.js';
import { prepareGuest } from '../../src/machine/boot/prepare.js';
import { type ProbeResult, probeGuestDebug } from '../../src/machine/probe/probe.js';
import { handleExit } from '../../src/machine/threads/run-to-end.js';
import { guestMemoryBytes, listGuests } from '../guests/guest-catalog.js';

const MAX_STEPS = 20_000;
const GUEST_RAM = 64 << 20;
/** rflags bits both backends must agree on: everything but RF (KVM's exits may leave it set) and TF. */
const RFLAGS_COMPARED = ~((1n << 16n) | (1n << 8n)) & 0xffffffffn;

interface Tracer {
  /** Executes one instruction (device I/O in between is completed); undefined once the guest has ended. */
  step(): Regs | undefined;
  close(): void;
}

function tracer(hv: Hypervisor, elf: string, memoryBytes: number): Tracer {
  const g = prepareGuest({ hypervisor: hv, imagePath: elf, memoryBytes });
  g.vcpu.setGuestDebug({
    control: GuestDbg.Enable | GuestDbg.SingleStep | GuestDbg.BlockIrq,
    debugreg: new Array<bigint>(8).fill(0n),
  });
  let ended = false;
  return {
    step() {
      while (!ended) {
        const exit: Exit = g.vcpu.run();
        if (exit.reason === ExitReason.Debug) return g.vcpu.getRegs();
        if (handleExit(g.vcpu, g.bus, exit)) ended = true;
      }
      return undefined;
    },
    close: () => g.vm.close(),
  };
}

function kvmUnavailable(): string | undefined {
  try {
    openHypervisor({ backend: 'kvm' }).close();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The probe runs once per process: it boots 13 tiny VMs, which costs seconds under nested KVM. */
let probed: Promise<ProbeResult[]> | undefined;
function kvmProbe(kvm: Hypervisor): Promise<ProbeResult[]> {
  probed ??= probeGuestDebug(kvm);
  return probed;
}

// Each guest gets the RAM its header asks for (highmem.elf: 3 GiB, with its tables and code above 2 GiB).
const guests = listGuests().map((g) => ({ file: `${g.name}.elf`, memory: guestMemoryBytes(g, GUEST_RAM) }));

for (const { file, memory } of guests) {
  test(`emu and kvm single-step ${file} identically (up to ${MAX_STEPS} steps)`, async (t) => {
    const why = kvmUnavailable();
    if (why !== undefined) return t.skip(`kvm backend unavailable: ${why}`);
    const kvm = openHypervisor({ backend: 'kvm' });
    const emu = openHypervisor({ backend: 'emu' });
    try {
      const step = (await kvmProbe(kvm)).find((r) => r.feature === 'SINGLESTEP');
      if (!step?.works) return t.skip(`kvm single-step does not work on this host: ${step?.detail}`);
      const elf = join(repoRoot(), 'guests', file);
      const a = tracer(emu, elf, memory);
      const b = tracer(kvm, elf, memory);
      try {
        for (let n = 1; n <= MAX_STEPS; n++) {
          const ra = a.step();
          const rb = b.step();
          if (!ra || !rb) {
            assert.equal(!ra, !rb, `step ${n}: one backend ended (emu ${!ra}, kvm ${!rb})`);
            break;
          }
          for (const r of REG_NAMES) {
            const va: bigint = r === 'rflags' ? ra[r] & RFLAGS_COMPARED : ra[r];
            const vb: bigint = r === 'rflags' ? rb[r] & RFLAGS_COMPARED : rb[r];
            assert.equal(va, vb, `${file}: first difference at step ${n} (rip emu 0x${ra.rip.toString(16)}): ${r}`);
          }
        }
      } finally {
        a.close();
        b.close();
      }
    } finally {
      emu.close();
      kvm.close();
    }
  });
}
