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

/** Opens the target; writes are synchronous so output is never lost when the VM ends. */
export function openSerialOutput(target: SerialTarget): SerialOutput {
  switch (target.kind) {
    case 'none':
      return { write: () => {}, close: () => {} };
    case 'stdio':
      return { write: (b) => writeAll(STDOUT_FD, b), close: () => {} };
    case 'file': {
      const fd = openSync(target.path, 'w');
      return { write: (b) => writeAll(fd, b), close: () => closeSync(fd) };
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off);
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
