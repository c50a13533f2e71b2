// `guestdbg caps` and `guestdbg demo` on emu, as a user runs them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapsReport } from '../../src/cli/caps.js';
import { FEATURE_PROBES } from '../../src/machine/probe/features.js';
import { emuOrSkip } from '../machine/emu-helper.js';
import { runCli } from './cli-helpers.js';

const { skip } = await emuOrSkip();
if (skip) console.log(`# skipping caps/demo on emu: ${skip}`);

describe('guestdbg caps', { skip }, () => {
  it('--json lists every feature with advertised, works and detail', () => {
    const r = runCli(['caps', '--backend', 'emu', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as CapsReport;
    assert.equal(report.backend, 'emu');
    assert.equal(report.capSetGuestDebug, 1);
    assert.deepEqual(
      report.features.map((f) => f.feature),
      FEATURE_PROBES.map((f) => f.feature),
    );
    for (const f of report.features) {
      assert.equal(typeof f.advertised, 'boolean');
      assert.equal(typeof f.works, 'boolean');
      assert.ok(f.detail.length > 0);
    }
  });

  it('prints a table: one line per feature, advertised and works columns', () => {
    const r = runCli(['caps', '--backend', 'emu']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^guest-debug features of the emu backend: KVM_CAP_SET_GUEST_DEBUG = 1/);
    for (const f of FEATURE_PROBES)
      assert.match(
        r.stdout,
        new RegExp(`^${f.feature.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +(yes|no) +(yes|no) +\\S`, 'm'),
      );
  });
});

describe('guestdbg demo', { skip }, () => {
  it('shows a breakpoint, 8 steps, a watchpoint and a software breakpoint, then the guest finishes', () => {
    const r = runCli(['demo']);
    assert.equal(r.stderr, '');
    const out = r.stdout;
    assert.match(out, /^guestdbg demo: .*demo\.elf on the emu backend/);
    assert.match(
      out,
      /breakpoint +KVM_EXIT_DEBUG exception 1 \(#DB\) pc 0x[0-9a-f]+ dr6 0xffff0ff1 dr7 0x[0-9a-f]+ +demo_loop\+0x0: mov/,
    );
    assert.equal(out.match(/^ {2}step \d+ +KVM_EXIT_DEBUG exception 1 \(#DB\) .* dr6 0xffff4ff0 /gm)?.length, 8);
    assert.match(out, /watchpoint +KVM_EXIT_DEBUG exception 1 \(#DB\) .* dr6 0xffff0ff1 .* demo_store_done\+0x0: /);
    assert.match(out, /sw breakpoint +KVM_EXIT_DEBUG exception 3 \(#BP\) .* demo_func\+0x0: /);
    assert.match(out, /\| demo done: counter=5 sum=55/);
    assert.match(out, /guest end: guest exited through isa-debug-exit with value 17 \(status 35\)/);
    assert.equal(r.status, 0);
  });
});
