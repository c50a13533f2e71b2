// Hostile images, option values and output sinks (issue 12 items 2, 3, 4, 7, 8, 9): every rejection is one
// line with status 2, nothing reads forever or grows without bound, and no serial byte is lost.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { ShType } from '../../src/machine/boot/elf.js';
import { SPINNING } from '../gdbstub/stub-process.js';
import { buildElf, symtab } from '../machine/boot/elf-builder.js';
import { CLI, oneLine, runCli, tempDir } from './cli-helpers.js';

const dir = tempDir();
const file = (name: string, bytes: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const LOAD = 0x100000;
/** cli; hlt: the guest halts for good (status 10), so a run that gets this far has loaded the image. */
const HALT = Uint8Array.of(0xfa, 0xf4);

/**
 * 32-bit code that writes N bytes to COM1 (the low byte of ecx, counting down from N to 1), then writes 0
 * to isa-debug-exit (status 1): mov ecx,N; mov dx,0x3f8; l: mov al,cl; out dx,al; dec ecx; jnz l;
 * mov dx,0xf4; xor eax,eax; out dx,eax; hlt (encodings from the SDM's opcode map).
 */
function serialFlood(n: number): Uint8Array {
  const code = [0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x66, 0xba, 0xf8, 0x03];
  code.push(0x88, 0xc8, 0xee, 0x49, 0x75, 0xfa, 0x66, 0xba, 0xf4, 0x00, 0x31, 0xc0, 0xef, 0xf4);
  return Uint8Array.from(code);
}
/** What serialFlood(n) prints. */
function floodBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (n - i) & 0xff;
  return out;
}
const floodElf = (n: number): string =>
  file(`flood-${n}.elf`, buildElf({ cls: 32, segments: [{ paddr: LOAD, data: serialFlood(n) }], pvhEntry: LOAD }));

function expectUserError(args: string[], pattern: RegExp, timeoutMs = 30_000): void {
  const r = runCli(args, timeoutMs);
  const line = oneLine(r.stderr);
  assert.match(line, pattern);
  assert.equal(r.status, ExitCode.BadInput, `status for ${args.join(' ')} (stderr: ${line})`);
}

describe('hostile images (issue 12 items 3, 4)', () => {
  it('1,500 symbols into an unterminated 4 MB string table: the run starts at once, memory stays small', () => {
    const strtab = new Uint8Array(4 << 20).fill(0x41); // no NUL anywhere
    const names = Array.from({ length: 1500 }, (_, i) => 1 + i);
    const elf = buildElf({
      cls: 64,
      segments: [{ paddr: LOAD, data: HALT }],
      pvhEntry: LOAD,
      sections: [
        { type: ShType.Symtab, data: symtab(64, names), link: 2, entsize: 24 },
        { type: 3, data: strtab }, // SHT_STRTAB
      ],
    });
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'run', '--memory', '16M', file('strtab.elf', elf)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, ExitCode.Halted, r.stderr);
    assert.ok(performance.now() - t0 < 20_000, 'the run took too long');
  });

  it('/dev/zero, a FIFO-like endless stream, is refused at once', () => {
    expectUserError(['run', '/dev/zero'], /\/dev\/zero: is not a regular file .*; pass an ELF file/, 20_000);
  });

  it('an image larger than guest RAM is refused before it is read', () => {
    const p = join(dir, 'huge.elf');
    writeFileSync(p, buildElf({ cls: 32, segments: [{ paddr: LOAD, data: HALT }], pvhEntry: LOAD }));
    truncateSync(p, 8 << 20); // sparse: 8 MiB on a 4 MiB guest
    expectUserError(
      ['run', '--memory', '4M', p],
      /is 8 MiB, more than the 4 MiB of guest RAM it must fit in; raise --memory/,
    );
  });
});

describe('hostile option values (issue 12 items 8, 9)', () => {
  it('--serial naming a directory or a path in a missing directory is a user error', () => {
    expectUserError(
      ['run', '--serial', `file:${dir}`, 'guests/hello.elf'],
      /--serial file:.*\(EISDIR\): that is a directory/,
    );
    expectUserError(
      ['run', '--serial', 'file:/no/such/dir/x', 'guests/hello.elf'],
      /--serial file:\/no\/such\/dir\/x: cannot open \(ENOENT\): a directory on the path does not exist/,
    );
  });

  it('--timeout past 2^31 ms keeps the guest running; nonsense values are refused', () => {
    // 2147483.648 s is 2^31 ms, the first value Node's setTimeout cannot hold.
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', '--serial', 'none', '--timeout', '2147484', ...SPINNING.args, `guests/${SPINNING.guest}.elf`],
      { encoding: 'utf8', timeout: 3000 },
    );
    assert.equal(r.status, null, `the run ended by itself: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
    expectUserError(['run', '--timeout', '1e9', 'guests/hello.elf'], /more than a year.*omit --timeout/);
    for (const bad of ['0', '0.0001', 'NaN', 'Infinity', '-1', '10s', '0x10', ''])
      expectUserError(['run', '--timeout', bad, 'guests/hello.elf'], /--timeout '.*' is not a number of seconds/);
  });
});

/** Runs `image` with stdout going to a reader that pauses `pauseMs` after each chunk, or closes at once. */
function runIntoReader(
  image: string,
  reader: 'slow' | 'closed',
): Promise<{ status: number | null; stderr: string; got: string }> {
  // The reader's stdin is the parent's end of a pipe that libuv made non-blocking; the CLI's stdout shares it.
  const script =
    reader === 'slow'
      ? "const h=require('crypto').createHash('sha256');let n=0;process.stdin.on('data',d=>{h.update(d);n+=d.length;process.stdin.pause();setTimeout(()=>process.stdin.resume(),20)});process.stdin.on('end',()=>process.stderr.write(n+' '+h.digest('hex')))"
      : 'process.stdin.destroy()';
  const sink = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'ignore', 'pipe'] });
  let got = '';
  sink.stderr.on('data', (d: Buffer) => {
    got += d.toString();
  });
  const sinkDone = new Promise((r) => sink.on('close', r));
  return new Promise((resolve) => {
    // Node's spawn makes a child's fds 0-2 blocking (on the shared file description), so the end is passed
    // as fd 3 and moved onto stdout by sh: it keeps O_NONBLOCK, as in a shell pipeline from a Node parent.
    const cmd = [process.execPath, CLI, 'run', '--timeout', '60', image];
    const vmm = spawn('sh', ['-c', 'exec "$0" "$@" >&3 3>&-', ...cmd], {
      stdio: ['ignore', 'ignore', 'pipe', sink.stdin],
    });
    sink.stdin.destroy(); // only the CLI holds the write end now
    let stderr = '';
    vmm.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    vmm.on('close', (status) => void sinkDone.then(() => resolve({ status, stderr, got })));
  });
}

describe('serial output into a non-blocking pipe (issue 12 item 7)', () => {
  it('a slow reader gets every byte in order, and the guest ends normally', async () => {
    const n = 256 << 10;
    const r = await runIntoReader(floodElf(n), 'slow');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.got, `${n} ${createHash('sha256').update(floodBytes(n)).digest('hex')}`);
  });

  it("a reader that went away (EPIPE) is reported as the sink's problem; the guest runs to its end", async () => {
    const r = await runIntoReader(floodElf(64 << 10), 'closed');
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      oneLine(r.stderr),
      /serial output to stdout failed \(EPIPE\); COM1 output is dropped from here on, the guest keeps running/,
    );
  });
});
