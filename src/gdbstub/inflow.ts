// Backpressure for one gdb connection: bytes from the client reach the session in small slices, one per
// event-loop turn, and only while the replies already queued for the client stay under a limit. A client
// that sends and never reads is simply no longer read (the kernel's buffers then stop it), as with QEMU's
// stub, whose chardev stops polling input while its output is blocked.
import type { Socket } from 'node:net';

/** Queued reply bytes above which the client is no longer read. */
export const WRITE_LIMIT = 1 << 20;
/**
 * Bytes handed to the session per turn. Small because a single byte can cost a whole reply (a '-' resends
 * the last packet, up to 16 KiB): one slice adds at most FEED_BYTES replies beyond WRITE_LIMIT.
 */
export const FEED_BYTES = 64;

/** Feeds `socket`'s bytes to `receive` under backpressure; stops for good when the socket closes. */
export function feedWithBackpressure(socket: Socket, receive: (chunk: Uint8Array) => void): void {
  let pending: Buffer | undefined;
  let scheduled = false;
  let closed = false;
  const pump = (): void => {
    scheduled = false;
    if (closed || !pending) return;
    // Over the limit: wait for 'drain' (emitted once the queued replies are written out).
    if (socket.writableLength > WRITE_LIMIT) return;
    const slice = pending.subarray(0, FEED_BYTES);
    pending = pending.length > FEED_BYTES ? pending.subarray(FEED_BYTES) : undefined;
    receive(slice);
    if (pending) schedule();
    else socket.resume();
  };
  const schedule = (): void => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(pump);
  };
  socket.on('data', (chunk: Buffer) => {
    // The common case, one small packet with nothing queued: fed at once (the same bound as one slice).
    if (!pending && chunk.length <= FEED_BYTES && socket.writableLength <= WRITE_LIMIT) {
      receive(chunk);
      return;
    }
    // At most one chunk waits: the socket is paused until it has been fed.
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    socket.pause();
    schedule();
  });
  socket.on('drain', schedule);
  socket.on('close', () => {
    closed = true;
    pending = undefined;
  });
}
