// Boots Debian's kernel in QEMU TCG with emulated AMD SVM (-cpu max), loads kvm_amd inside and runs the kvm
// test files there on a real /dev/kvm; node:test's TAP output comes back on the serial console.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QEMU_BINARY, qemuPresent } from '../qemu-runner.js';
import { fetchDebianParts } from './debian.js';
import { initScript, MARK_READY, MARK_STATUS, testCommand } from './init.js';
import { buildInitramfs } from './initramfs.js';
import { parseTap, type TapSummary } from './tap.js';

/**
 * The whole run's limit, a guard against a hung guest: boot takes 10-30 s; the suite took 150-260 s on a
 * loaded 2-core host (issue 13) and 13-15 min on 2026-12-04 at a load average of 20.
 */
const RUN_TIMEOUT_MS = 30 * 60_000;
/** -M pc boots Debian's kernel without extra parameters (microvm under TCG needs tsc_early_khz=). */
const QEMU_MACHINE = ['-M', 'pc', '-accel', 'tcg', '-cpu', 'max', '-m', '6G', '-smp', '1'];
const KERNEL_ARGS = 'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init';

export interface NestedBoot {
  /** Package names and versions, e.g. "linux-image-6.1.0-57-amd64 6.1.192-3". */
  packages: string[];
  modules: string[];
  initramfsBytes: number;
  initramfsSha256: string;
  /** QEMU start to the guest's ready marker (kernel, /init, modules loaded). */
  bootMs: number;
  /** The ready marker to the status marker: the command inside. */
  suiteMs: number;
  /** The command's exit status inside the guest; undefined when the guest never reported one. */
  status: number | undefined;
  /** The whole serial output (kernel messages, the command's output, markers). */
  serial: string;
  /** Why the run did not complete, when it did not. */
  problem?: string;
}

export interface NestedRun extends NestedBoot {
  tap: TapSummary;
}

/** Why the nested run cannot happen on this host, or undefined. */
export function nestedUnavailable(): string | undefined {
  if (!qemuPresent()) return `${QEMU_BINARY} is not installed (apt-get install qemu-system-x86)`;
  return undefined;
}

function lastLines(text: string, n = 15): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

interface QemuEnd {
  status: number | null;
  stderr: string;
  timedOut: boolean;
}

function bootQemu(args: readonly string[], onStdout: (s: string) => void): Promise<QemuEnd> {
  const child = spawn(QEMU_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, RUN_TIMEOUT_MS);
  child.stdout.setEncoding('latin1').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, timedOut });
    });
  });
}

/** Boots the nested guest once with `command` as its work; `extraFiles` maps guest paths to host files. */
export async function bootNested(
  projectRoot: string,
  command: string,
  extraFiles: ReadonlyMap<string, string> = new Map(),
  onSerial: (chunk: string) => void = () => {},
): Promise<NestedBoot> {
  const parts = fetchDebianParts();
  const init = (mods: readonly string[]): string => initScript(mods, command);
  const { archive, modules } = buildInitramfs(parts, projectRoot, init, extraFiles);
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-nested-'));
  const initrd = join(dir, 'initramfs.cpio');
  writeFileSync(initrd, archive);
  const started = performance.now();
  let readyAt: number | undefined;
  let statusAt: number | undefined;
  let serial = '';
  const statusRe = new RegExp(`${MARK_STATUS} (\\S+)`);
  try {
    const end = await bootQemu(
      [...QEMU_MACHINE, '-nodefaults', '-nographic', '-serial', 'stdio', '-no-reboot'].concat([
        '-kernel',
        parts.vmlinuz,
        '-initrd',
        initrd,
        '-append',
        KERNEL_ARGS,
      ]),
      (s) => {
        serial += s;
        onSerial(s);
        if (readyAt === undefined && serial.includes(MARK_READY)) readyAt = performance.now();
        if (statusAt === undefined && statusRe.test(serial)) statusAt = performance.now();
      },
    );
    const ended = performance.now();
    const m = statusRe.exec(serial);
    const status = m?.[1] !== undefined && /^\d+$/.test(m[1]) ? Number(m[1]) : undefined;
    const problem = end.timedOut
      ? `the nested guest did not finish within ${RUN_TIMEOUT_MS / 60_000} min`
      : m === null
        ? `the nested guest ended without a status (QEMU exit ${end.status}):\n${lastLines(serial + end.stderr)}`
        : status === undefined
          ? `the nested guest's /init failed: ${m[0]}`
          : undefined;
    return {
      packages: [parts.kernel, parts.busybox].map((p) => `${p.name} ${p.version}`),
      modules,
      initramfsBytes: archive.length,
      initramfsSha256: createHash('sha256').update(archive).digest('hex'),
      bootMs: (readyAt ?? ended) - started,
      suiteMs: (statusAt ?? ended) - (readyAt ?? ended),
      status,
      serial,
      ...(problem === undefined ? {} : { problem }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The kvm test files inside the nested guest, their TAP output parsed. */
export async function runNestedKvm(
  projectRoot: string,
  testFiles: readonly string[],
  onSerial?: (chunk: string) => void,
): Promise<NestedRun> {
  const boot = await bootNested(projectRoot, testCommand(testFiles), new Map(), onSerial);
  return { ...boot, tap: parseTap(boot.serial) };
}
