// Part of npm test on hosts without /dev/kvm: the kvm tests on a real Linux KVM, nested in QEMU TCG
// (support/nested-kvm, npm run test:kvm). A failure inside fails this test with the guest-side message.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { formatRun, nestedTestFiles, passed } from '../../scripts/test-kvm.js';
import { Unavailable } from '../../support/nested-kvm/debian.js';
import { nestedUnavailable, runNestedKvm } from '../../support/nested-kvm/run.js';

test('the kvm test files pass on nested KVM (Debian kernel, kvm_amd, QEMU TCG -cpu max)', async (t) => {
  if (existsSync('/dev/kvm')) return t.skip('this host has /dev/kvm: the kvm tests ran on it directly');
  const why = nestedUnavailable();
  if (why) return t.skip(why);
  const root = repoRoot();
  try {
    const r = await runNestedKvm(root, nestedTestFiles(root));
    const report = formatRun(r);
    t.diagnostic(report.trimEnd());
    assert.ok(passed(r), report);
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return t.skip(e.message);
  }
});
