// GDB Remote Serial Protocol framing (GDB manual, "Overview" of the Remote Protocol):
// `$<data>#<2 hex digit checksum>`, checksum = sum of data bytes mod 256; '}' escapes '#$}*' as c ^ 0x20;
// 0x03 alone is an interrupt request. guestdbg never run-length encodes its replies.

export const ACK = 0x2b; // '+'
export const NAK = 0x2d; // '-'
export const INTERRUPT = 0x03;
const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const STAR = 0x2a;

/** Largest packet we accept (advertised as PacketSize in qSupported): bounds memory for a hostile client. */
export const MAX_PACKET = 0x4000;

export function checksum(data: Uint8Array): number {
  let sum = 0;
  for (const b of data) sum = (sum + b) & 0xff;
  return sum;
}

const isSpecial = (b: number) => b === DOLLAR || b === HASH || b === ESCAPE || b === STAR;

/** Frame a reply: escapes the four special bytes, appends the checksum. */
export function frame(data: Uint8Array | string): Uint8Array {
  const raw = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let specials = 0;
  for (const b of raw) if (isSpecial(b)) specials++;
  // One allocation: '$', the body with two bytes per escaped one, '#', two checksum digits.
  const out = Buffer.allocUnsafe(raw.length + specials + 4);
  out[0] = DOLLAR;
  let at = 1;
  let sum = 0;
  for (const b of raw) {
    if (isSpecial(b)) {
      out[at++] = ESCAPE;
      out[at++] = b ^ 0x20;
      sum += ESCAPE + (b ^ 0x20);
    } else {
      out[at++] = b;
      sum += b;
    }
  }
  out[at++] = HASH;
  out.write((sum & 0xff).toString(16).padStart(2, '0'), at, 'latin1');
  return out;
}

/**
 * Undo '}' escapes. Only binary payloads (the data of an X packet) are escaped; gdb never run-length encodes
 * what it sends, so a received body is otherwise taken literally (as gdbserver does).
 */
export function unescapeBinary(body: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === ESCAPE && i + 1 < body.length) out.push(body[++i] ^ 0x20);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

export type DecoderEvent =
  | { kind: 'packet'; data: Uint8Array }
  | { kind: 'interrupt' }
  | { kind: 'ack' }
  | { kind: 'nak' }
  /** A packet whose checksum did not match (answer with '-' so the client retransmits) or that overflowed. */
  | { kind: 'bad'; reason: string };

/**
 * Incremental decoder: feed() any chunking of the byte stream, get events. Bytes outside packets other than
 * '+', '-' and 0x03 are ignored (gdb sends none); a packet longer than MAX_PACKET is dropped with a 'bad' event.
 */
export class PacketDecoder {
  private state: 'idle' | 'body' | 'sum1' | 'sum2' = 'idle';
  private body: number[] = [];
  private sumText = '';
  private overflow = false;
  /** After QStartNoAckMode the checksum is still sent but not checked by peers; we keep checking it. */
  constructor(private readonly maxPacket = MAX_PACKET) {}

  feed(chunk: Uint8Array): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'idle':
          if (b === DOLLAR) {
            this.state = 'body';
            this.body = [];
            this.overflow = false;
          } else if (b === INTERRUPT) events.push({ kind: 'interrupt' });
          else if (b === ACK) events.push({ kind: 'ack' });
          else if (b === NAK) events.push({ kind: 'nak' });
          break;
        case 'body':
          if (b === HASH) this.state = 'sum1';
          else if (b === DOLLAR) {
            // A '$' inside a body means the previous packet was truncated: start over with the new one.
            events.push({ kind: 'bad', reason: 'truncated packet' });
            this.body = [];
            this.overflow = false;
          } else if (this.body.length < this.maxPacket) this.body.push(b);
          else this.overflow = true;
          break;
        case 'sum1':
          this.sumText = String.fromCharCode(b);
          this.state = 'sum2';
          break;
        case 'sum2': {
          this.sumText += String.fromCharCode(b);
          this.state = 'idle';
          const raw = Uint8Array.from(this.body);
          const want = /^[0-9a-fA-F]{2}$/.test(this.sumText) ? Number.parseInt(this.sumText, 16) : -1;
          if (this.overflow) events.push({ kind: 'bad', reason: `packet longer than ${this.maxPacket} bytes` });
          else if (want !== checksum(raw)) events.push({ kind: 'bad', reason: 'checksum mismatch' });
          else events.push({ kind: 'packet', data: raw });
          break;
        }
      }
    }
    return events;
  }
}
