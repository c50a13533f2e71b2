// Batches COM1 bytes in a vCPU worker so one message carries many characters (the serial fast path).
import type { ByteSink } from './uart16550.js';

/** A line is complete: flush so a guest that prints and then spins is still seen at once. */
const NEWLINE = 0x0a;
/** Flush when this many bytes are waiting... */
export const SERIAL_BATCH_BYTES = 4096;
/** ...or when the oldest waiting byte is this old (checked at each exit). */
export const SERIAL_BATCH_MS = 20;

export class SerialBatch {
  private buf = new Uint8Array(SERIAL_BATCH_BYTES);
  private used = 0;
  private since = 0;

  constructor(private readonly flushTo: (bytes: Uint8Array) => void) {}

  readonly write: ByteSink = (bytes) => {
    for (const b of bytes) {
      if (this.used === 0) this.since = performance.now();
      this.buf[this.used++] = b;
      if (this.used === SERIAL_BATCH_BYTES || b === NEWLINE) this.flush();
    }
  };

  /** Cheap check for the run loop: flush only when the batch has aged. */
  tick(): void {
    if (this.used > 0 && performance.now() - this.since >= SERIAL_BATCH_MS) this.flush();
  }

  flush(): void {
    if (this.used === 0) return;
    const out = this.buf.subarray(0, this.used);
    this.buf = new Uint8Array(SERIAL_BATCH_BYTES);
    this.used = 0;
    this.flushTo(out);
  }
}
