// Parsing and checking of command-line option values; every failure is a UsageError with the fix.
import type { BackendName } from '../abi/index.js';
import { PAGE_SIZE } from '../machine/boot/boot-vm.js';
import { HIGH_MEMORY_START } from '../machine/boot/low-memory.js';
import {
  openSerialOutput,
  parseSerialTarget,
  type SerialOutput,
  type SerialTarget,
} from '../machine/devices/serial-sink.js';
import { UsageError, userPathError } from './user-error.js';

const UNITS: Record<string, number> = { K: 1 << 10, M: 1 << 20, G: 1 << 30 };
/** RAM is one block from guest-physical 0; it stops below the 3 GiB..4 GiB hole (KVM's TSS page lives there). */
export const MAX_MEMORY_BYTES = 3 * (1 << 30);
/** The image is loaded at 1 MiB: at least 1 MiB above that. */
export const MIN_MEMORY_BYTES = 2 * HIGH_MEMORY_START;

/** --memory: a number with an optional K/M/G suffix (a bare number means MiB, like QEMU's -m). */
export function parseMemory(text: string): number {
  const m = /^(\d+)\s*([KMG])?(i?B)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--memory '${text}' is not a size; write e.g. 64M, 512M or 1G`);
  const unit = UNITS[(m[2] ?? 'M').toUpperCase()]!;
  const bytes = Number(m[1]) * unit;
  if (bytes % PAGE_SIZE !== 0) throw new UsageError(`--memory '${text}' is not a multiple of 4K; round it, e.g. 64M`);
  if (bytes < MIN_MEMORY_BYTES) throw new UsageError(`--memory '${text}' is too small; use at least 2M`);
  if (bytes > MAX_MEMORY_BYTES) throw new UsageError(`--memory '${text}' is too large; guestdbg supports up to 3G`);
  return bytes;
}

export function parseBackend(text: string): BackendName {
  if (text === 'emu' || text === 'kvm') return text;
  throw new UsageError(`--backend '${text}' is unknown; use --backend emu or --backend kvm`);
}

export function parseSerial(text: string): SerialTarget {
  const t = parseSerialTarget(text);
  if (!t) throw new UsageError(`--serial '${text}' is not understood; use stdio, none or file:PATH`);
  return t;
}

/** Opens --serial's target; a failure to open the named file is the user's to fix (status 2). */
export function openSerial(target: SerialTarget): SerialOutput {
  const warn = (line: string): void => {
    process.stderr.write(`guestdbg: ${line}\n`);
  };
  try {
    return openSerialOutput(target, warn);
  } catch (err) {
    throw target.kind === 'file' ? userPathError(`--serial file:${target.path}`, err) : err;
  }
}

/** The longest --timeout: a year; a longer deadline is no deadline (omit the option). */
export const MAX_TIMEOUT_SECONDS = 365 * 24 * 3600;

/** --timeout SECONDS: a decimal number from 0.001 to a year; undefined = no limit. Returns milliseconds. */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = /^\s*\d*\.?\d+(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : Number.NaN;
  const ms = Math.round(s * 1000);
  if (!(ms >= 1))
    throw new UsageError(`--timeout '${text}' is not a number of seconds of at least 0.001; write e.g. --timeout 10`);
  if (s > MAX_TIMEOUT_SECONDS)
    throw new UsageError(
      `--timeout '${text}' is more than a year (${MAX_TIMEOUT_SECONDS} s); omit --timeout to run without a limit`,
    );
  return ms;
}
