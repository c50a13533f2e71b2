// Bounded fuzz of `guestdbg run`'s command line (issue 12): random combinations of options and values,
// good and bad, through the built CLI. No combination may hang, abort, print a stack trace or end with
// status 14; a refusal (status 2, 12) is one `guestdbg:` line.
// GUESTDBG_FUZZ_LONG=1 tries 1,000 command lines instead of 16 and prints the figures.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { prng } from '../../support/decode-oracle.js';
import { CLI, oneLine, tempDir } from './cli-helpers.js';

const LONG = process.env.GUESTDBG_FUZZ_LONG === '1';
const RUNS = LONG ? 1_000 : 16;
/** No run may exceed this (the guests here touch a few pages of RAM; the CLI itself needs ~60 MiB). */
const MAX_RSS = 512 << 20;
const dir = tempDir();
mkdirSync(join(dir, 'sub'));
const put = (name: string, bytes: Uint8Array | string): string => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
/** GNU time reports each run's peak RSS where it is installed. */
const GNU_TIME = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : [];
const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);

/** Each option's values; the first is a good one, chosen half the time so that some runs get going. */
const VALUES: Record<string, string[]> = {
  '--backend': ['emu', 'emu', 'kvm', 'xen', '', 'EMU'],
  '--memory': [
    '64M',
    '16M',
    '2M',
    '1M',
    '3G',
    '5G',
    '0',
    'abc',
    '99999999999999999999',
    '-1',
    '1.5G',
    '4097K',
    '64MiB',
  ],
  '--serial': [
    'none',
    'stdio',
    `file:${join(dir, 'out.txt')}`,
    `file:${dir}`,
    'file:/no/such/dir/x',
    'file:',
    'tcp:1',
    'file:/dev/full',
  ],
  '--timeout': ['5', '0', '-1', '1e9', '2147484', 'abc', '0.5', '1e-9', ''],
  '--cmdline': ['', 'console=ttyS0', 'x'.repeat(5000), '\u00e9\u4e2d'],
  '--gdb': [
    'nonsense',
    ':99999',
    'unix:/no/such/dir/g.sock',
    `unix:${dir}`,
    'tcp:::1',
    'tcp:[zz]:1',
    'tcp:256.1.1.1:1',
  ],
};
const FLAGS = ['--stats', '--wait-gdb', '--kvm-style-breakpoints', '--frobnicate', '--help'];
const IMAGES = [
  'guests/hello.elf',
  'guests/hello.elf',
  '/dev/zero',
  dir,
  join(dir, 'missing.elf'),
  put('text.txt', 'hello\n'),
  put('noise.bin', noise),
  put('empty.elf', ''),
  put('elfish.elf', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, ...noise.subarray(0, 100))),
];

function commandLine(next: () => number): string[] {
  const args = ['run'];
  const options = Object.keys(VALUES);
  for (let n = next() % 5; n > 0; n--) {
    const o = options[next() % options.length]!;
    const values = VALUES[o]!;
    args.push(o, values[next() % 2 === 0 ? 0 : next() % values.length]!);
  }
  if (next() % 3 === 0) args.push(FLAGS[next() % FLAGS.length]!);
  if (next() % 8 !== 0) args.push(IMAGES[next() % 2 === 0 ? 0 : next() % IMAGES.length]!);
  return args;
}

it(`${RUNS} random command lines: no hang, abort, stack trace or status 14; refusals are one line`, (t) => {
  const next = prng(0xc11f022);
  const statuses = new Map<number, number>();
  let peakRss = 0;
  for (let i = 0; i < RUNS; i++) {
    const args = commandLine(next);
    const what = `guestdbg ${args.join(' ')}`;
    const [cmd, ...pre] = GNU_TIME.length > 0 ? GNU_TIME : [process.execPath];
    const argv = GNU_TIME.length > 0 ? [...pre, process.execPath, CLI, ...args] : [CLI, ...args];
    const r = spawnSync(cmd!, argv, { encoding: 'utf8', timeout: 30_000 });
    const lines = r.stderr.trimEnd().split('\n');
    // GNU time's last stderr line is the peak RSS in KiB.
    if (GNU_TIME.length > 0) peakRss = Math.max(peakRss, Number(lines.pop()) * 1024 || 0);
    // GNU time's own note of a non-zero status is not guestdbg's output.
    const stderr = lines.filter((l) => !/^Command exited with non-zero status \d+$/.test(l)).join('\n');
    assert.notEqual(r.status, null, `${what}: hung or was killed (${r.signal})`);
    assert.notEqual(r.status, ExitCode.Bug, `${what}: ${stderr}`);
    assert.ok(r.status! < 126, `${what}: status ${r.status} (an abort or a signal)\n${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at |FATAL|Error:/, what);
    if (r.status === ExitCode.BadInput || r.status === ExitCode.BackendUnavailable) oneLine(`${stderr}\n`);
    statuses.set(r.status!, (statuses.get(r.status!) ?? 0) + 1);
  }
  // Guest RAM is reserved, not touched, by a guest that does not use it: a small process either way.
  assert.ok(peakRss < MAX_RSS, `a run peaked at ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  const byStatus = [...statuses].map(([s, n]) => `${s}:${n}`).join(' ');
  t.diagnostic(
    `${RUNS} command lines, statuses ${byStatus}, 0 crashes, peak RSS ${GNU_TIME.length > 0 ? `${(peakRss / 2 ** 20).toFixed(0)} MiB` : 'not measured (no /usr/bin/time)'}`,
  );
});
