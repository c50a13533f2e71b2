// npm run bench:kvm-step: the kvm column's single-step figure on nested KVM (support/nested-kvm): steps per
// second through the kvm backend's vcpu.run() against a raw C KVM_RUN loop (support/nested-kvm/step-loop.c,
// built here with gcc -static), both on the same guest in the same nested boot, alternating, median of 3.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Unavailable } from '../support/nested-kvm/debian.js';
import { bootNested, nestedUnavailable } from '../support/nested-kvm/run.js';
import { repoRoot } from './build-guests.js';

const STEPS = 50_000;
const REPS = 3;
const GUEST_LOOP = '/bin/step-loop';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function main(): Promise<number> {
  const why = nestedUnavailable();
  if (why) {
    process.stdout.write(`kvm step rate: skipped: ${why}\n`);
    return 0;
  }
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-step-'));
  try {
    const loop = join(dir, 'step-loop');
    const cc = spawnSync('gcc', ['-static', '-O2', '-o', loop, join(root, 'support/nested-kvm/step-loop.c')], {
      encoding: 'utf8',
    });
    if (cc.error || cc.status !== 0) {
      process.stdout.write(
        `kvm step rate: skipped: gcc -static failed (apt-get install gcc libc6-dev): ${cc.stderr}\n`,
      );
      return 0;
    }
    const one = `${GUEST_LOOP} ${STEPS} && node dist/support/nested-kvm/step-rate.js ${STEPS}`;
    const command = Array.from({ length: REPS }, () => one).join(' && ');
    const r = await bootNested(root, command, new Map([[GUEST_LOOP, loop]]));
    if (r.problem || r.status !== 0) {
      process.stdout.write(`kvm step rate: the nested run failed: ${r.problem ?? r.serial.slice(-2000)}\n`);
      return 1;
    }
    const rates = (kind: string): number[] =>
      [...r.serial.matchAll(new RegExp(`step-rate ${kind} (\\d+)`, 'g'))].map((m) => Number(m[1]));
    const c = rates('c-loop');
    const js = rates('vcpu.run');
    process.stdout.write(
      `kvm step rate (nested KVM, ${r.packages[0]}), ${STEPS} steps x ${REPS}:\n` +
        `  raw C KVM_RUN loop  ${c.join(' / ')} steps/s, median ${median(c)}\n` +
        `  vcpu.run() (kvm)    ${js.join(' / ')} steps/s, median ${median(js)}\n` +
        `  ratio ${(median(js) / median(c)).toFixed(2)}x\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    process.stdout.write(`kvm step rate: skipped: ${e.message}\n`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
