// The stub's listener: TCP (loopback unless an address is given explicitly) or a unix socket; one gdb at a time.
import { lookup } from 'node:dns/promises';
import { lstatSync, unlinkSync } from 'node:fs';
import { BlockList, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { DebugTarget } from '../debugger/target.js';
import { feedWithBackpressure } from './inflow.js';
import { frame } from './packet.js';
import { GdbSession } from './session.js';

export type ListenSpec = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

const USAGE = 'expected tcp:HOST:PORT, :PORT, tcp:[IPv6]:PORT or unix:PATH (e.g. --gdb :1234)';

/** Parses `tcp:HOST:PORT`, `:PORT` (= 127.0.0.1), `HOST:PORT`, `[IPv6]:PORT` or `unix:PATH`; throws a sentence on bad input. */
export function parseListenSpec(spec: string): ListenSpec {
  if (spec.startsWith('unix:')) {
    const path = spec.slice('unix:'.length);
    if (!path) throw new Error(`--gdb ${spec}: give a socket path, e.g. unix:/tmp/guestdbg.sock`);
    return { kind: 'unix', path };
  }
  const rest = spec.startsWith('tcp:') ? spec.slice('tcp:'.length) : spec;
  const at = rest.lastIndexOf(':');
  const portText = rest.slice(at + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (at < 0 || !(port <= 65535)) throw new Error(`--gdb ${spec}: ${USAGE}`);
  let host = at > 0 ? rest.slice(0, at) : '127.0.0.1';
  // An IPv6 address is written in brackets (RFC 3986 host syntax); a bare one is accepted when unambiguous.
  const bracketed = /^\[(.*)\]$/.exec(host);
  if (bracketed) host = bracketed[1]!;
  if (host.includes(':') && !isIPv6(host)) {
    throw new Error(`--gdb ${spec}: '${host}' is not an IPv6 address; write IPv6 in brackets, e.g. tcp:[::1]:${port}`);
  }
  return { kind: 'tcp', host, port };
}

/** The stub's address cannot be used; the message says why and what to do. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(spec: ListenSpec, cause: NodeJS.ErrnoException) {
    super(`cannot listen for gdb on ${describe(spec)} (${cause.code ?? cause.message}): ${fixFor(spec, cause.code)}`);
  }
}

function fixFor(spec: ListenSpec, code: string | undefined): string {
  switch (code) {
    case 'EADDRINUSE':
      return spec.kind === 'unix'
        ? 'something else uses that path; remove it or pick another'
        : 'something else listens there; pick another port, e.g. --gdb :1235';
    case 'EACCES':
    case 'EPERM':
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EROFS':
      return spec.kind === 'unix'
        ? 'check that the directory exists and is writable'
        : 'ports below 1024 need privileges; use a higher port';
    case 'EISDIR':
      return 'that path is a directory; name a socket file inside it, e.g. unix:/tmp/guestdbg.sock';
    case 'ENOTSOCK':
      return 'that path is a file that is not a socket; pick another path (guestdbg replaces only stale sockets)';
    case 'ENAMETOOLONG':
    case 'EINVAL':
      return spec.kind === 'unix' ? 'unix socket paths are limited to 107 bytes; use a shorter path' : USAGE;
    case 'EADDRNOTAVAIL':
      return "that address is not one of this machine's; use 127.0.0.1";
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'that host name does not resolve; use an IP address such as 127.0.0.1';
    case 'EAFNOSUPPORT':
      return 'this host has no IPv6; use 127.0.0.1';
    default:
      return 'check the --gdb address';
  }
}

/** Loopback by address, not by spelling: 127.0.0.0/8, ::1 and IPv4-mapped 127/8 (RFC 1122, RFC 4291). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** Whether a numeric address (as dns.lookup returns it) is loopback. */
export function isLoopback(address: string): boolean {
  return LOOPBACK.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}

/** A unix socket path may be replaced only when it is a socket (a stale one from an earlier run). */
function clearStaleSocket(spec: ListenSpec & { kind: 'unix' }): void {
  const st = lstatSync(spec.path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSocket()) {
    const code = st.isDirectory() ? 'EISDIR' : 'ENOTSOCK';
    throw new ListenError(spec, Object.assign(new Error(code), { code }));
  }
  removeSocket(spec.path);
}

/** Unlinks a socket file; a path that is gone or no longer a socket is left alone. */
function removeSocket(path: string): void {
  try {
    if (lstatSync(path, { throwIfNoEntry: false })?.isSocket()) unlinkSync(path);
  } catch (e) {
    throw new ListenError({ kind: 'unix', path }, e as NodeJS.ErrnoException);
  }
}

const bracketed = (host: string): string => (isIPv6(host) ? `[${host}]` : host);
const hostPort = (host: string, port: number): string => `${bracketed(host)}:${port}`;

export interface StubOptions {
  log(line: string): void;
}

/** Serves one DebugTarget to gdb. A second connection while one is attached is told so and closed. */
export class GdbServer {
  private server: Server | undefined;
  private client: { socket: Socket; session: GdbSession } | undefined;
  /** The unix socket this server created; removeSocketFile() takes it away. */
  private socketPath: string | undefined;
  private readonly sessionsEnded: (() => void)[] = [];

  constructor(
    private readonly target: DebugTarget,
    private readonly opts: StubOptions,
  ) {}

  /**
   * Starts listening; resolves with a description of the address (with the real port for port 0). Every
   * failure is a ListenError. A unix socket is removed again by close().
   */
  async listen(spec: ListenSpec): Promise<string> {
    if (spec.kind === 'unix') {
      clearStaleSocket(spec);
      await this.serve(spec, (server) => server.listen(spec.path));
      this.socketPath = spec.path;
      return `unix:${spec.path}`;
    }
    const address = await lookup(spec.host).then(
      (r) => r.address,
      (e: NodeJS.ErrnoException) => {
        throw new ListenError(spec, e);
      },
    );
    if (!isLoopback(address)) {
      this.opts.log(
        `warning: gdb stub listening on ${hostPort(address, spec.port)}: anyone who can reach this port controls the guest`,
      );
    }
    const server = await this.serve(spec, (s) => s.listen(spec.port, address));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : spec.port;
    return `tcp:${hostPort(address, port)}`;
  }

  private serve(spec: ListenSpec, start: (server: Server) => void): Promise<Server> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new ListenError(spec, e)));
      server.once('listening', () => resolve(server));
      start(server);
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
    this.removeSocketFile();
  }

  /** Synchronous, for every way out of the process (an exit handler, a signal): no socket file stays behind. */
  removeSocketFile(): void {
    const path = this.socketPath;
    this.socketPath = undefined;
    try {
      if (path !== undefined) removeSocket(path);
    } catch {
      // Someone else changed the path meanwhile: it is theirs now.
    }
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
    feedWithBackpressure(socket, (chunk) => session.receive(chunk));
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
  return spec.kind === 'unix' ? spec.path : hostPort(spec.host, spec.port);
}
