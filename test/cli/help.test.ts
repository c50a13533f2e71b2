import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli } from './cli-helpers.js';

describe('guestdbg --help', () => {
  it('run --help documents every exit status', () => {
    const r = runCli(['run', '--help']);
    assert.equal(r.status, 0);
    for (const code of Object.values(ExitCode))
      assert.match(r.stdout, new RegExp(`^  ${code} `, 'm'), `status ${code}`);
    assert.match(r.stdout, /\(v << 1\) \| 1/);
  });

  it('lists the commands', () => {
    const r = runCli(['--help']);
    assert.equal(r.status, 0);
    for (const cmd of ['run', 'caps', 'demo']) assert.match(r.stdout, new RegExp(`^  ${cmd}`, 'm'));
  });
});
