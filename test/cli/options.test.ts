import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode, exitCodeOf } from '../../src/cli/exit-codes.js';
import { parseMemory, parseTimeout } from '../../src/cli/options.js';
import { UsageError } from '../../src/cli/user-error.js';
import type { GuestEnd } from '../../src/machine/guest-end.js';

describe('--memory', () => {
  it('takes K/M/G suffixes and a bare number as MiB (like QEMU -m)', () => {
    assert.equal(parseMemory('64M'), 64 << 20);
    assert.equal(parseMemory('64'), 64 << 20);
    assert.equal(parseMemory('1g'), 1 << 30);
    assert.equal(parseMemory('4096K'), 4 << 20);
    assert.equal(parseMemory('128MiB'), 128 << 20);
  });
  it('rejects junk, sub-page sizes, too small and too large', () => {
    for (const bad of ['', 'M', '12Q', '-1M', '1.5M', '2049K', '1M', '4G'])
      assert.throws(() => parseMemory(bad), UsageError, bad);
  });
});

describe('--timeout', () => {
  it('is seconds, converted to ms; absent means no limit', () => {
    assert.equal(parseTimeout('2.5'), 2500);
    assert.equal(parseTimeout(undefined), undefined);
    assert.throws(() => parseTimeout('0'), UsageError);
  });
});

describe('exit statuses', () => {
  it('are distinct, even, and never an isa-debug-exit status', () => {
    const ends: GuestEnd[] = [
      { kind: 'timeout', ms: 1 },
      { kind: 'shutdown', rip: 0n },
      { kind: 'internal-error', suberror: 1, rip: 0n },
      { kind: 'halted', rip: 0n, interruptsEnabled: false },
    ];
    const codes = ends.map(exitCodeOf);
    assert.equal(new Set(codes).size, codes.length);
    for (const c of Object.values(ExitCode)) assert.equal(c % 2, 0, `status ${c} must be even`);
    assert.equal(exitCodeOf({ kind: 'debug-exit', value: 0x10, status: 0x21 }), 0x21);
  });
});
