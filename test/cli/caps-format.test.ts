import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCaps } from '../../src/cli/caps.js';

describe('formatCaps', () => {
  it('prints both columns per feature and names the advertised-but-broken ones (kvm_pvm-like report)', () => {
    const text = formatCaps({
      backend: 'kvm',
      capSetGuestDebug: 1,
      capSetGuestDebug2: 0x1f0003,
      features: [
        {
          feature: 'SINGLESTEP',
          advertised: true,
          works: true,
          detail: 'KVM_EXIT_DEBUG exception 1 pc 0x1001 dr6 0xffff4ff0 dr7 0x0',
        },
        {
          feature: 'USE_SW_BP',
          advertised: true,
          works: false,
          detail: 'KVM_EXIT_INTERNAL_ERROR suberror 1; expected ...',
        },
      ],
    });
    const lines = text.trimEnd().split('\n');
    assert.equal(
      lines[0],
      'guest-debug features of the kvm backend: KVM_CAP_SET_GUEST_DEBUG = 1, KVM_CAP_SET_GUEST_DEBUG2 = 0x1f0003',
    );
    assert.match(lines[2]!, /^SINGLESTEP +yes +yes +KVM_EXIT_DEBUG exception 1 pc 0x1001/);
    assert.match(lines[3]!, /^USE_SW_BP +yes +no +KVM_EXIT_INTERNAL_ERROR suberror 1/);
    assert.equal(lines[4], 'advertised but not working: USE_SW_BP');
  });
});
