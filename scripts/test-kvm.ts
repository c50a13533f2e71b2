// npm run test:kvm: the kvm test files on a real Linux KVM inside QEMU TCG (support/nested-kvm/run.ts).
// Prints the packages used, boot and suite time, the initramfs size, every skip and failure; exits 1 on any
// failure, 0 with the reason when the nested run cannot happen here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Unavailable } from '../support/nested-kvm/debian.js';
import { type NestedRun, nestedUnavailable, runNestedKvm } from '../support/nested-kvm/run.js';
import { repoRoot } from './build-guests.js';

/** The host-side test that starts the nested run (test/kvm/nested.test.ts) is not run inside. */
const HOST_SIDE = 'nested.test.js';

/** The compiled test files that need /dev/kvm: every kvm test and the conformance suite (with the traces). */
export function nestedTestFiles(root: string): string[] {
  return ['dist/test/kvm', 'dist/test/conformance'].flatMap((d) =>
    readdirSync(join(root, d))
      .filter((f) => f.endsWith('.test.js') && f !== HOST_SIDE)
      .sort()
      .map((f) => `${d}/${f}`),
  );
}

export function formatRun(r: NestedRun): string {
  const mib = (r.initramfsBytes / (1 << 20)).toFixed(1);
  const lines = [
    `nested kvm: ${r.packages.join(', ')}; modules ${r.modules.join(' ')}`,
    `nested kvm: initramfs ${mib} MiB (sha256 ${r.initramfsSha256.slice(0, 16)}), boot ${(r.bootMs / 1000).toFixed(1)} s, ` +
      `suite ${(r.suiteMs / 1000).toFixed(1)} s`,
    `nested kvm: ${Object.entries(r.tap.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...r.tap.skips.map((s) => `nested kvm: skipped ${s}`),
    ...r.tap.failures.map((f) => `nested kvm: FAILED ${f.name}\n${f.detail}`),
  ];
  if (r.problem) lines.push(`nested kvm: ${r.problem}`);
  return `${lines.join('\n')}\n`;
}

/** True when the run passed: a status of 0 from node --test inside and no failure in its output. */
export function passed(r: NestedRun): boolean {
  return r.problem === undefined && r.status === 0 && r.tap.failures.length === 0;
}

async function main(): Promise<number> {
  const why = nestedUnavailable();
  if (why) {
    process.stdout.write(`nested kvm: skipped: ${why}\n`);
    return 0;
  }
  const root = repoRoot();
  const verbose = process.argv.includes('--verbose');
  try {
    const r = await runNestedKvm(root, nestedTestFiles(root), verbose ? (s) => process.stdout.write(s) : undefined);
    process.stdout.write(formatRun(r));
    return passed(r) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    process.stdout.write(`nested kvm: skipped: ${e.message}\n`);
    return 0;
  }
}

if (process.argv[1]?.endsWith('test-kvm.js')) process.exitCode = await main();
