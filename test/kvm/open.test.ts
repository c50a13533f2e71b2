// Opening the kvm backend fails with a sentence that names the cause and the fix (these paths need no KVM).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HypervisorUnavailableError, KvmError } from '../../src/abi/index.js';
import { attachKvmVm, kickKvm, openKvm } from '../../src/backends/kvm/index.js';

function openFailure(path: string): HypervisorUnavailableError {
  try {
    openKvm(path).close();
  } catch (e) {
    assert.ok(e instanceof HypervisorUnavailableError, `expected HypervisorUnavailableError, got ${String(e)}`);
    return e;
  }
  return assert.fail(`opening ${path} as KVM succeeded`);
}

test('a missing device: "does not exist: this host has no KVM ..., or use --backend emu"', () => {
  const e = openFailure('/nonexistent/kvm');
  assert.equal(
    e.message,
    '/nonexistent/kvm does not exist: this host has no KVM (enable virtualization and load kvm_intel or kvm_amd), or use --backend emu',
  );
});

test('/dev/null is "not a KVM device" (KVM_GET_API_VERSION fails with ENOTTY)', () => {
  const e = openFailure('/dev/null');
  assert.match(e.message, /^\/dev\/null is not a KVM device \(KVM_GET_API_VERSION failed with ENOTTY\)/);
  assert.match(e.message, /backend emu/);
});

test('a regular file is not a KVM device either', () => {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-kvm-open-'));
  try {
    const file = join(dir, 'kvm');
    writeFileSync(file, '');
    assert.match(openFailure(file).message, /is not a KVM device .*ENOTTY.*backend emu/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** As root every open succeeds, so the EACCES case runs in a child process that dropped to this uid. */
const NOBODY = 65534;

function openAsNobody(path: string): string {
  const kvmIndex = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../src/backends/kvm/index.js')).href;
  const script = `process.setgid(${NOBODY}); process.setuid(${NOBODY});
    const { openKvm } = await import(${JSON.stringify(kvmIndex)});
    try { openKvm(${JSON.stringify(path)}); console.log('opened'); } catch (e) { console.log(e.message); }`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
}

test('no permission: "add your user to the \'kvm\' group, or use --backend emu"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-kvm-open-'));
  try {
    const file = join(dir, 'kvm');
    writeFileSync(file, '');
    chmodSync(file, 0o000);
    const want = `no permission to open ${file}: add your user to the 'kvm' group, or use --backend emu`;
    if (process.getuid?.() !== 0) return assert.equal(openFailure(file).message, want);
    if (!process.setuid) return t.skip('running as root on a platform without setuid: EACCES cannot be provoked');
    chmodSync(dir, 0o755);
    assert.equal(openAsNobody(file), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('/dev/kvm itself: missing on this host gives the sentence; present gives API version 12', (t) => {
  try {
    const hv = openKvm();
    assert.equal(hv.apiVersion(), 12);
    hv.close();
  } catch (e) {
    assert.ok(e instanceof HypervisorUnavailableError);
    assert.match(e.message, /backend emu/);
    t.diagnostic(`no usable /dev/kvm here: ${e.message}`);
  }
});

test('handles and kickers from another backend are refused with the fix', () => {
  assert.throws(() => attachKvmVm({ backend: 'emu', regions: [] }), /not from a kvm VM.*vm\.handle\(\)/);
  assert.throws(() => attachKvmVm({ backend: 'kvm', vmFd: 3, regions: [] }), /lacks vcpuMmapSize/);
  assert.throws(() => kickKvm({ backend: 'emu' }), /pass vcpu\.kicker\(\)/);
  assert.ok(new KvmError('KVM_RUN', 'EINTR').message === 'KVM_RUN failed: EINTR');
});
