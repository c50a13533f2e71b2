// Backend-neutral guest-debug capability probe: for each feature, what the backend advertises
// (KVM_CHECK_EXTENSION) and what really happens when a tiny guest uses it.
import { Cap, type Exit, ExitReason, GuestDbg, type Hypervisor, IoDirection, VcpuEventsFlag } from '../../abi/index.js';
import { KVM_IDENTITY_MAP_ADDR, KVM_TSS_ADDR } from '../boot/low-memory.js';
import { describeExit, ioValue } from '../describe-exit.js';
import { Watchdog } from '../threads/watchdog.js';
import { type Expectation, FEATURE_PROBES, type FeatureProbe } from './features.js';
import { HANDLER_PORT, PROBE_RAM_BYTES, setProbeCpu, writeProbeGuest } from './guest.js';

export interface ProbeResult {
  feature: string;
  /** KVM_CAP_SET_GUEST_DEBUG is 1 and the feature's bits are in the KVM_CAP_SET_GUEST_DEBUG2 mask. */
  advertised: boolean;
  /** The guest's exit matched the expected one exactly. */
  works: boolean;
  /** What was observed. */
  detail: string;
}

/** Per-feature time limit: 14 features stay well under 10 s even if every guest hangs. */
export const PROBE_FEATURE_TIMEOUT_MS = 500;
/** A feature that needs more exits than this is looping, not working. */
const MAX_EXITS = 16;
/** Bits every kernel with KVM_CAP_SET_GUEST_DEBUG had before KVM_CAP_SET_GUEST_DEBUG2 (BLOCKIRQ came with it). */
const PRE_GUEST_DEBUG2_MASK =
  GuestDbg.Enable | GuestDbg.SingleStep | GuestDbg.UseSwBp | GuestDbg.UseHwBp | GuestDbg.InjectDb | GuestDbg.InjectBp;

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export function advertisedMask(hv: Hypervisor): number {
  if (hv.checkExtension(Cap.SetGuestDebug) !== 1) return 0;
  const mask = hv.checkExtension(Cap.SetGuestDebug2);
  return mask === 0 ? PRE_GUEST_DEBUG2_MASK : mask;
}

export async function probeGuestDebug(hv: Hypervisor, timeoutMs = PROBE_FEATURE_TIMEOUT_MS): Promise<ProbeResult[]> {
  const mask = advertisedMask(hv);
  const watchdog = new Watchdog();
  try {
    return FEATURE_PROBES.map((f) => ({
      feature: f.feature,
      advertised: (mask & f.bits) === f.bits,
      ...probeFeature(hv, f, watchdog, timeoutMs),
    }));
  } finally {
    await watchdog.close();
  }
}

function expected(e: Expectation): string {
  return e.kind === 'debug'
    ? `KVM_EXIT_DEBUG exception ${e.exception} pc ${hex(e.pc)}${e.dr6 === undefined ? '' : ` dr6 ${hex(e.dr6)}`}`
    : `the guest's vector-${e.vector} handler (KVM_EXIT_IO out port ${hex(HANDLER_PORT)} value ${hex(e.vector)})`;
}

/** 'continue' = an exit the feature passes through; otherwise the verdict. */
function judge(f: FeatureProbe, exit: Exit): { works: boolean; detail: string } | 'continue' {
  const seen = describeExit(exit);
  const e = f.expect;
  if (exit.reason === ExitReason.Io && f.passIoPorts?.includes(exit.io.port)) {
    if (exit.io.direction === IoDirection.In) exit.io.data.fill(0xff);
    return 'continue';
  }
  let works = false;
  if (e.kind === 'debug' && exit.reason === ExitReason.Debug) {
    const d = exit.debug;
    works = d.exception === e.exception && d.pc === e.pc && (e.dr6 === undefined || d.dr6 === e.dr6);
  } else if (e.kind === 'handler' && exit.reason === ExitReason.Io) {
    works =
      exit.io.direction === IoDirection.Out &&
      exit.io.port === HANDLER_PORT &&
      ioValue(exit.io.data, exit.io.size) === e.vector;
  }
  return { works, detail: works ? seen : `${seen}; expected ${expected(e)}` };
}

function probeFeature(
  hv: Hypervisor,
  f: FeatureProbe,
  watchdog: Watchdog,
  timeoutMs: number,
): { works: boolean; detail: string } {
  const vm = hv.createVm();
  try {
    vm.setTssAddr(KVM_TSS_ADDR);
    vm.setIdentityMapAddr(KVM_IDENTITY_MAP_ADDR);
    const ram = vm.addMemory({ guestPhysAddr: 0n, size: PROBE_RAM_BYTES });
    writeProbeGuest(ram, f.code);
    const vcpu = vm.createVcpu(0);
    setProbeCpu(vcpu, f.cpu);
    if (f.pendingNmi) {
      const ev = vcpu.getVcpuEvents();
      vcpu.setVcpuEvents({
        ...ev,
        nmi: { ...ev.nmi, pending: 1, masked: 0 },
        flags: ev.flags | VcpuEventsFlag.ValidNmiPending,
      });
    }
    vcpu.setGuestDebug(f.debug);
    watchdog.arm(vcpu.kicker(), timeoutMs);
    try {
      for (let i = 0; i < MAX_EXITS; i++) {
        const exit = vcpu.run();
        if (exit.reason === ExitReason.Intr) {
          if (watchdog.expired())
            return { works: false, detail: `no exit within ${timeoutMs} ms; expected ${expected(f.expect)}` };
          continue;
        }
        const verdict = judge(f, exit);
        if (verdict !== 'continue') return verdict;
      }
      return { works: false, detail: `${MAX_EXITS} exits without the expected one; expected ${expected(f.expect)}` };
    } finally {
      watchdog.disarm();
    }
  } catch (err) {
    return { works: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    vm.close();
  }
}
