import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checksum, frame, PacketDecoder, unescapeBinary } from '../../src/gdbstub/packet.js';

const text = (u: Uint8Array) => Buffer.from(u).toString('latin1');

test('frame matches the GDB manual example checksum ($g#67 style)', () => {
  // "g" is 0x67, so its checksum is 67: the manual's own example.
  assert.equal(text(frame('g')), '$g#67');
  assert.equal(checksum(Buffer.from('OK')), 0x9a);
  assert.equal(text(frame('OK')), '$OK#9a');
});

test('special bytes are escaped and round-trip through the decoder', () => {
  const payload = Uint8Array.from([0x24, 0x23, 0x7d, 0x2a, 0x00, 0xff, 0x41]);
  const dec = new PacketDecoder();
  const events = dec.feed(frame(payload));
  assert.equal(events.length, 1);
  assert.ok(events[0].kind === 'packet');
  assert.deepEqual(unescapeBinary(events[0].data), payload);
});

test('decoder handles arbitrary chunking, acks, interrupts and bad checksums', () => {
  const dec = new PacketDecoder();
  const stream = Buffer.concat([
    Buffer.from('+'),
    Buffer.from(frame('qSupported:x')),
    Buffer.from([3]),
    Buffer.from('$m0,4#00'),
  ]);
  const events = [];
  for (const b of stream) events.push(...dec.feed(Uint8Array.of(b)));
  assert.equal(events[0].kind, 'ack');
  assert.equal(events[1].kind, 'packet');
  assert.equal(events[2].kind, 'interrupt');
  assert.deepEqual(events[3], { kind: 'bad', reason: 'checksum mismatch' });
});

test('received bodies are literal: no run-length expansion, escapes only where binary data is decoded', () => {
  const dec = new PacketDecoder();
  const [ev] = dec.feed(frame(Buffer.from('m0* ', 'latin1')));
  assert.ok(ev.kind === 'packet');
  // frame() escaped the '*'; the body arrives escaped and is only unescaped for binary payloads.
  assert.equal(text(unescapeBinary(ev.data)), 'm0* ');
  assert.equal(text(ev.data), 'm0}\n ');
});

test('oversized packets are dropped with a reason, and the decoder recovers', () => {
  const dec = new PacketDecoder(16);
  const big = frame('x'.repeat(100));
  assert.equal(dec.feed(big)[0].kind, 'bad');
  assert.equal(dec.feed(frame('?'))[0].kind, 'packet');
});
