// `guestdbg caps --backend kvm` and `guestdbg demo --backend kvm` on a real /dev/kvm, as a user runs them.
// What works is the capability probe's word (run in this process); the CLI must agree with it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import type { CapsReport } from '../../src/cli/caps.js';
import { FEATURE_PROBES } from '../../src/machine/probe/features.js';
import { runCli } from '../cli/cli-helpers.js';
import { probeSaysBroken } from './probe-verdict.js';

const KVM_DEVICE = '/dev/kvm';
/** The demo's tour uses these four features, in this order (src/cli/demo.ts). */
const DEMO_FEATURES = ['USE_HW_BP exec DR0', 'SINGLESTEP', 'USE_HW_BP write watchpoint', 'USE_SW_BP'];
/** Under nested TCG a CLI start and 13 probe VMs take seconds. */
const CLI_TIMEOUT_MS = 120_000;

function skipWithoutKvm(t: TestContext): boolean {
  if (existsSync(KVM_DEVICE)) return false;
  t.skip('no /dev/kvm on this host: these tests need a Linux host with KVM (kvm_intel or kvm_amd loaded)');
  return true;
}

test('guestdbg caps --backend kvm: every feature with what was observed, exit 0, agreeing with the probe', async (t) => {
  if (skipWithoutKvm(t)) return;
  const json = runCli(['caps', '--backend', 'kvm', '--json'], CLI_TIMEOUT_MS);
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout) as CapsReport;
  assert.deepEqual(
    report.features.map((f) => f.feature),
    FEATURE_PROBES.map((f) => f.feature),
  );
  for (const f of report.features) {
    const broken = await probeSaysBroken(f.feature);
    assert.equal(f.works, broken === undefined, `${f.feature}: caps says ${f.detail}; the probe here: ${broken}`);
    assert.ok(f.detail.length > 0, `${f.feature}: no observed exit`);
  }
  const table = runCli(['caps', '--backend', 'kvm'], CLI_TIMEOUT_MS);
  assert.equal(table.status, 0, table.stderr);
  t.diagnostic(table.stdout.trimEnd());
  assert.match(table.stdout, /^guest-debug features of the kvm backend: KVM_CAP_SET_GUEST_DEBUG = 1/);
});

test('guestdbg demo --backend kvm: exit 0 with every event when the tour can work, non-zero when it stops', async (t) => {
  if (skipWithoutKvm(t)) return;
  const broken = (await Promise.all(DEMO_FEATURES.map(probeSaysBroken))).filter((w) => w !== undefined);
  const r = runCli(['demo', '--backend', 'kvm'], CLI_TIMEOUT_MS);
  if (broken.length === 0) {
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /sw breakpoint +KVM_EXIT_DEBUG exception 3 \(#BP\) .* demo_func\+0x0: /);
    assert.match(r.stdout, /\| demo done: counter=5 sum=55/);
  } else {
    t.diagnostic(`the tour cannot finish here: ${broken.join('; ')}`);
    assert.notEqual(r.status, 0, `a tour that stopped early must fail:\n${r.stdout}`);
    assert.match(r.stderr, /^guestdbg demo: the tour stopped early .*guestdbg caps --backend kvm/);
    assert.match(r.stdout, /the guest ended before the tour finished/);
  }
});
