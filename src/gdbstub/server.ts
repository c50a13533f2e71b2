// The stub's listener: TCP (loopback unless an address is given explicitly) or a unix socket; one gdb at a time.
import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { DebugTarget } from '../debugger/target.js';
import { frame } from './packet.js';
import { GdbSession } from './session.js';

export type ListenSpec = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Parses `tcp:HOST:PORT`, `:PORT` (= 127.0.0.1), `HOST:PORT` or `unix:PATH`; throws a sentence on bad input. */
export function parseListenSpec(spec: string): ListenSpec {
  if (spec.startsWith('unix:')) {
    const path = spec.slice('unix:'.length);
    if (!path) throw new Error(`--gdb ${spec}: give a socket path, e.g. unix:/tmp/guestdbg.sock`);
    return { kind: 'unix', path };
  }
  const rest = spec.startsWith('tcp:') ? spec.slice('tcp:'.length) : spec;
  const at = rest.lastIndexOf(':');
  const host = at > 0 ? rest.slice(0, at) : '127.0.0.1';
  const port = Number(rest.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--gdb ${spec}: expected tcp:HOST:PORT, :PORT or unix:PATH (e.g. --gdb :1234)`);
  }
  return { kind: 'tcp', host, port };
}

/** The stub's address cannot be used; the message says why and what to do. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(spec: ListenSpec, cause: NodeJS.ErrnoException) {
    const fix =
      cause.code === 'EADDRINUSE'
        ? 'something else listens there; pick another port, e.g. --gdb :1235'
        : cause.code === 'EACCES' || cause.code === 'ENOENT'
          ? spec.kind === 'unix'
            ? 'check that the directory exists and is writable'
            : 'ports below 1024 need privileges; use a higher port'
          : cause.code === 'EADDRNOTAVAIL'
            ? "that address is not one of this machine's; use 127.0.0.1"
            : 'check the --gdb address';
    super(`cannot listen for gdb on ${describe(spec)} (${cause.code ?? cause.message}): ${fix}`);
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export interface StubOptions {
  log(line: string): void;
}

/** Serves one DebugTarget to gdb. A second connection while one is attached is told so and closed. */
export class GdbServer {
  private server: Server | undefined;
  private client: { socket: Socket; session: GdbSession } | undefined;
  private readonly sessionsEnded: (() => void)[] = [];

  constructor(
    private readonly target: DebugTarget,
    private readonly opts: StubOptions,
  ) {}

  /** Starts listening; resolves with a description of the address (with the real port for port 0). */
  listen(spec: ListenSpec): Promise<string> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new ListenError(spec, e)));
      if (spec.kind === 'unix') {
        if (existsSync(spec.path)) unlinkSync(spec.path);
        server.listen(spec.path, () => resolve(`unix:${spec.path}`));
      } else {
        if (!isLoopback(spec.host)) {
          this.opts.log(
            `warning: gdb stub listening on ${spec.host}: anyone who can reach this port controls the guest`,
          );
        }
        server.listen(spec.port, spec.host, () => {
          const addr = server.address();
          const port = typeof addr === 'object' && addr ? addr.port : spec.port;
          resolve(`tcp:${spec.host}:${port}`);
        });
      }
    });
  }

  /** Resolves when the current (or next) gdb connection ends. */
  waitForDisconnect(): Promise<void> {
    return new Promise((resolve) => this.sessionsEnded.push(resolve));
  }

  get attached(): boolean {
    return this.client !== undefined;
  }

  close(): void {
    this.client?.socket.destroy();
    this.server?.close();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    if (this.client) {
      // Refuse politely with an error packet gdb prints, leaving the attached debugger untouched.
      socket.end(frame('E.another debugger is already attached to this guest'));
      this.opts.log('gdb: refused a second connection (one debugger at a time)');
      return;
    }
    const session = new GdbSession(
      this.target,
      { write: (b) => socket.write(b), close: () => socket.end() },
      { log: (l) => this.opts.log(l) },
    );
    this.client = { socket, session };
    this.opts.log(`gdb: connected from ${socket.remoteAddress ?? 'unix socket'}`);
    socket.on('data', (chunk) => session.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.client = undefined;
      void session.disconnected().then(() => {
        this.opts.log('gdb: disconnected');
        for (const r of this.sessionsEnded.splice(0)) r();
      });
    });
  }
}

function describe(spec: ListenSpec): string {
  return spec.kind === 'unix' ? spec.path : `${spec.host}:${spec.port}`;
}
