// The capability probe's word for kvm tests whose feature a KVM may not deliver (QEMU's emulated SVM has no
// working debug-register breakpoints): probed once per process, on the real /dev/kvm.
import { openHypervisor } from '../../src/index.js';
import { type ProbeResult, probeGuestDebug } from '../../src/machine/probe/probe.js';

let probed: Promise<ProbeResult[]> | undefined;

async function probeOnce(): Promise<ProbeResult[]> {
  const hv = openHypervisor({ backend: 'kvm' });
  try {
    return await probeGuestDebug(hv);
  } finally {
    hv.close();
  }
}

/** Why `feature` cannot be tested on this KVM (the probe's observation), or undefined when it works. */
export async function probeSaysBroken(feature: string): Promise<string | undefined> {
  probed ??= probeOnce();
  const r = (await probed).find((p) => p.feature === feature);
  if (r === undefined)
    throw new Error(`the capability probe has no feature '${feature}' (src/machine/probe/features.ts)`);
  return r.works ? undefined : `the capability probe found ${feature} not working here: ${r.detail}`;
}
