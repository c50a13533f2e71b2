// `guestdbg caps`: what each guest-debug feature is advertised as, and whether it really works.

import type { BackendName } from '../abi/index.js';
import { Cap } from '../abi/index.js';
import { openHypervisor } from '../index.js';
import { type ProbeResult, probeGuestDebug } from '../machine/probe/probe.js';

export interface CapsReport {
  backend: BackendName;
  capSetGuestDebug: number;
  capSetGuestDebug2: number;
  features: ProbeResult[];
}

export async function capsReport(backend: BackendName): Promise<CapsReport> {
  const hv = openHypervisor({ backend: backend });
  try {
    return {
      backend,
      capSetGuestDebug: hv.checkExtension(Cap.SetGuestDebug),
      capSetGuestDebug2: hv.checkExtension(Cap.SetGuestDebug2),
      features: await probeGuestDebug(hv),
    };
  } finally {
    hv.close();
  }
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

export function formatCaps(r: CapsReport): string {
  const width = Math.max(...r.features.map((f) => f.feature.length), 'feature'.length) + 2;
  const lines = [
    `guest-debug features of the ${r.backend} backend: KVM_CAP_SET_GUEST_DEBUG = ${r.capSetGuestDebug}, ` +
      `KVM_CAP_SET_GUEST_DEBUG2 = 0x${r.capSetGuestDebug2.toString(16)}`,
    `${'feature'.padEnd(width)}advertised  works  observed`,
  ];
  for (const f of r.features) {
    lines.push(`${f.feature.padEnd(width)}${yesNo(f.advertised).padEnd(12)}${yesNo(f.works).padEnd(7)}${f.detail}`);
  }
  const broken = r.features.filter((f) => f.advertised && !f.works).map((f) => f.feature);
  const hidden = r.features.filter((f) => !f.advertised && f.works).map((f) => f.feature);
  if (broken.length > 0) lines.push(`advertised but not working: ${broken.join(', ')}`);
  if (hidden.length > 0) lines.push(`working but not advertised: ${hidden.join(', ')}`);
  if (broken.length === 0 && hidden.length === 0) lines.push('every advertised feature works');
  return `${lines.join('\n')}\n`;
}
