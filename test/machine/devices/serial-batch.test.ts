import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERIAL_BATCH_BYTES, SERIAL_BATCH_MS, SerialBatch } from '../../../src/machine/devices/serial-batch.js';

const text = (chunks: Uint8Array[]): string[] => chunks.map((c) => new TextDecoder().decode(c));

describe('SerialBatch', () => {
  it('holds bytes until a newline, then sends the whole line in one message', () => {
    const sent: Uint8Array[] = [];
    const b = new SerialBatch((bytes) => sent.push(bytes));
    b.write(new TextEncoder().encode('abc'));
    assert.equal(sent.length, 0);
    b.write(new TextEncoder().encode('d\nef'));
    assert.deepEqual(text(sent), ['abcd\n']);
    b.flush();
    assert.deepEqual(text(sent), ['abcd\n', 'ef']);
  });

  it('sends a full batch without waiting for a newline', () => {
    const sent: Uint8Array[] = [];
    const b = new SerialBatch((bytes) => sent.push(bytes));
    b.write(new Uint8Array(SERIAL_BATCH_BYTES + 1).fill(0x41));
    assert.deepEqual(
      sent.map((c) => c.length),
      [SERIAL_BATCH_BYTES],
    );
  });

  it('tick() sends a partial line only once it has aged', async () => {
    const sent: Uint8Array[] = [];
    const b = new SerialBatch((bytes) => sent.push(bytes));
    b.write(Uint8Array.of(0x3e));
    b.tick();
    assert.equal(sent.length, 0);
    await new Promise((r) => setTimeout(r, SERIAL_BATCH_MS + 5));
    b.tick();
    assert.deepEqual(text(sent), ['>']);
  });
});
