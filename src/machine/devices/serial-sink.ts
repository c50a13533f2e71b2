// Where COM1 output goes: stdout, a file, nowhere, or memory (tests, the demo).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ByteSink } from './uart16550.js';

export type SerialTarget = { kind: 'stdio' } | { kind: 'file'; path: string } | { kind: 'none' };

/** Parses --serial: stdio | file:PATH | none. Returns undefined for anything else. */
export function parseSerialTarget(text: string): SerialTarget | undefined {
  if (text === 'stdio') return { kind: 'stdio' };
  if (text === 'none') return { kind: 'none' };
  if (text.startsWith('file:') && text.length > 'file:'.length)
    return { kind: 'file', path: text.slice('file:'.length) };
  return undefined;
}

export interface SerialOutput {
  write: ByteSink;
  close(): void;
}

const STDOUT_FD = 1;
/** Waits between write attempts while the reader drains a full non-blocking pipe (QEMU's chardev sleeps
 *  100 us per retry in qemu_chr_write_buffer; a few ms keeps the CPU idle while a slow reader catches up). */
const RETRY_MIN_MS = 1;
const RETRY_MAX_MS = 50;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Opens the target; writes are synchronous so output is never lost or reordered when the VM ends. A full
 * non-blocking stdout (EAGAIN) is waited out. Any other write error (EPIPE, ENOSPC, EIO, ...) is the sink's:
 * `warn` gets one line and, as QEMU does when its chardev fails, further output is dropped while the guest
 * keeps running. Opening a file throws its errno (the caller names the option).
 */
export function openSerialOutput(target: SerialTarget, warn: (line: string) => void): SerialOutput {
  switch (target.kind) {
    case 'none':
      return { write: () => {}, close: () => {} };
    case 'stdio':
      return { write: sinkWriter(STDOUT_FD, 'stdout', warn), close: () => {} };
    case 'file': {
      const fd = openSync(target.path, 'w');
      return { write: sinkWriter(fd, target.path, warn), close: () => closeSync(fd) };
    }
  }
}

function sinkWriter(fd: number, name: string, warn: (line: string) => void): ByteSink {
  let failed = false;
  return (bytes) => {
    if (failed) return;
    try {
      writeAll(fd, bytes);
    } catch (err) {
      failed = true;
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      warn(`serial output to ${name} failed (${code}); COM1 output is dropped from here on, the guest keeps running`);
    }
  };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  let waitMs = RETRY_MIN_MS;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off);
      waitMs = RETRY_MIN_MS;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      // The pipe is full: sleep, not spin, until the reader makes room; bytes stay in order.
      Atomics.wait(sleeper, 0, 0, waitMs);
      waitMs = Math.min(RETRY_MAX_MS, waitMs * 2);
    }
  }
}

/** Collects output in memory. */
export class SerialCapture {
  private readonly chunks: Uint8Array[] = [];
  readonly write: ByteSink = (b) => {
    this.chunks.push(b.slice());
  };
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
