// A minimal GDB remote client for tests that real gdb cannot script: latency of Ctrl-C, malformed packets.
import { connect, type Socket } from 'node:net';
import { frame, PacketDecoder } from '../src/gdbstub/packet.js';

export class RspClient {
  private readonly decoder = new PacketDecoder();
  private readonly replies: string[] = [];
  private waiters: ((reply: string) => void)[] = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const ev of this.decoder.feed(chunk)) {
        if (ev.kind !== 'packet') continue;
        const text = Buffer.from(ev.data).toString('latin1');
        const w = this.waiters.shift();
        if (w) w(text);
        else this.replies.push(text);
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => socket.destroy());
  }

  static async connect(port: number, host = '127.0.0.1', retryMs = 10_000): Promise<RspClient> {
    const deadline = Date.now() + retryMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, host, () => resolve(s));
          s.once('error', reject);
        });
        return new RspClient(socket);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The next reply packet's payload (acks are ignored). */
  next(timeoutMs = 10_000): Promise<string> {
    const ready = this.replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply from the stub')), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  send(payload: string): void {
    this.socket.write(frame(payload));
  }

  raw(bytes: Uint8Array | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  async request(payload: string, timeoutMs?: number): Promise<string> {
    this.send(payload);
    return this.next(timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
