// One gdb connection: decodes packets, answers them from a DebugTarget, reports stops (all-stop mode).
// Command semantics follow the GDB manual's "Packets", "General Query Packets" and "Stop Reply Packets".
import {
  type BreakType,
  type DebugTarget,
  DebugTargetError,
  type ResumeAction,
  type StopEvent,
} from '../debugger/target.js';
import { GDB_REGS } from '../x86/gdb-regs.js';
import { ACK, frame, MAX_PACKET, NAK, PacketDecoder, unescapeBinary } from './packet.js';
import {
  applyRegister,
  encodeAll,
  encodeRegister,
  type RegisterFile,
  type RegisterHome,
  splitAll,
} from './registers.js';
import { targetXml } from './target-xml.js';

/** gdb signal numbers used in stop replies (GDB's own numbering, include/gdb/signals.def). */
const SIGINT = 2;
const SIGTRAP = 5;
const SIGKILL = 9;

/** Registers sent with every stop reply: rbp, rsp, rip. */
const EXPEDITED = ['rbp', 'rsp', 'rip'].map((name) => GDB_REGS.findIndex((r) => r.name === name));

/** errno values for `E NN` replies, as gdbserver uses them. */
const EFAULT = 0x0e;
const EINVAL = 0x16;
const ENOSPC = 0x1c;

export interface SessionIo {
  write(bytes: Uint8Array): void;
  close(): void;
}

export interface SessionEvents {
  /** A human-readable line for the CLI's log (connections, detaches, protocol errors). */
  log?(line: string): void;
}

/** gdb thread ids are vCPU index + 1 (0 and -1 are "any" and "all"). */
const tidOf = (vcpu: number) => (vcpu + 1).toString(16);

/** One row of the q/Q/v packet table: the packet's name, matched whole or as a prefix its arguments follow. */
export interface NamedPacket {
  readonly name: string;
  readonly match: 'exact' | 'prefix';
  /** The qSupported feature this row implements, advertised because the row exists. */
  readonly feature?: string;
  /** `arg` is the packet after `name` ('' for an exact match). */
  run(session: GdbSession, arg: string): void | Promise<void>;
}

export class GdbSession {
  private readonly decoder = new PacketDecoder();
  private noAck = false;
  private running = false;
  private lastStop: StopEvent;
  private gThread: number;
  private cThread = -1;
  private lastSent: Uint8Array | undefined;
  private closed = false;
  /** Packets arriving while a previous one is still being answered are processed in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: DebugTarget,
    private readonly io: SessionIo,
    private readonly events: SessionEvents = {},
  ) {
    this.gThread = target.vcpuIds[0];
    this.lastStop = { kind: 'stopped', vcpu: this.gThread, reason: { kind: 'interrupt' } };
    // Like QEMU, a connecting debugger stops the guest first; packets wait until it has.
    this.queue = target.attach().then((stop) => {
      this.lastStop = stop;
    });
  }

  /** Feed bytes from the connection. */
  receive(chunk: Uint8Array): void {
    for (const ev of this.decoder.feed(chunk)) {
      if (ev.kind === 'interrupt') {
        // 0x03 is out-of-band: act at once, even while a resume is pending.
        if (this.running) this.target.interrupt();
      } else if (ev.kind === 'nak') {
        if (this.lastSent) this.io.write(this.lastSent);
      } else if (ev.kind === 'bad') {
        this.events.log?.(`gdb: dropped a packet (${ev.reason})`);
        if (!this.noAck) this.io.write(Uint8Array.of(NAK));
      } else if (ev.kind === 'packet') {
        if (!this.noAck) this.io.write(Uint8Array.of(ACK));
        const text = Buffer.from(ev.data).toString('latin1');
        this.queue = this.queue.then(() => this.handle(text, ev.data)).catch((e: unknown) => this.fail(e));
      }
    }
  }

  /** The connection went away: leave the VM paused with no breakpoints of ours (see detach semantics). */
  async disconnected(): Promise<void> {
    this.closed = true;
    await Promise.all([this.target.disconnected(), this.queue]);
  }

  private fail(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.events.log?.(`gdb: internal error answering a packet: ${msg}`);
    this.send(`E${EINVAL.toString(16).padStart(2, '0')}`);
  }

  private send(reply: string | Uint8Array): void {
    if (this.closed) return;
    const framed = frame(reply);
    this.lastSent = framed;
    this.io.write(framed);
  }

  private error(code: number): void {
    this.send(`E${code.toString(16).padStart(2, '0')}`);
  }

  private async handle(packet: string, raw: Uint8Array): Promise<void> {
    if (this.closed) return;
    const cmd = packet[0];
    try {
      switch (cmd) {
        case '?':
          return this.send(this.stopReply(this.lastStop));
        case 'g':
          return this.send(encodeAll(await this.registerFile(this.gThread)));
        case 'G':
          return await this.writeAll(packet.slice(1));
        case 'p':
          return await this.readOne(packet.slice(1));
        case 'P':
          return await this.writeOne(packet.slice(1));
        case 'm':
          return await this.readMem(packet.slice(1));
        case 'M':
          return await this.writeMemHex(packet.slice(1));
        case 'X':
          return await this.writeMemBinary(raw);
        case 'Z':
        case 'z':
          return await this.breakpoint(cmd === 'Z', packet.slice(1));
        case 'c':
        case 'C':
          return await this.resume(new Map(), 'continue', packet);
        case 's':
        case 'S':
          return await this.resume(new Map([[this.cThreadOr(this.gThread), 'step']]), 'stay', packet);
        case 'H':
          return this.setThread(packet);
        case 'T':
          return this.send(this.threadAlive(packet.slice(1)) ? 'OK' : 'E01');
        case 'D':
          await this.target.detach();
          this.send('OK');
          this.events.log?.('gdb: detached; the guest runs on');
          return;
        case 'k':
          await this.target.kill();
          this.closed = true;
          this.io.close();
          return;
        case 'q':
        case 'Q':
        case 'v':
          return await this.named(packet);
        default:
          return this.send('');
      }
    } catch (e) {
      if (e instanceof DebugTargetError) {
        this.events.log?.(`gdb: ${e.message}`);
        if (e.code === 'unsupported') return this.send('');
        return this.error(e.code === 'unmapped' ? EFAULT : e.code === 'no-slot' ? ENOSPC : EINVAL);
      }
      throw e;
    }
  }

  private cThreadOr(fallback: number): number {
    return this.cThread >= 0 ? this.cThread : fallback;
  }

  private parseTid(text: string): number | undefined {
    if (text === '-1' || text === '0') return -1;
    const n = Number.parseInt(text, 16);
    if (!Number.isFinite(n) || !this.target.vcpuIds.includes(n - 1)) return undefined;
    return n - 1;
  }

  private threadAlive(text: string): boolean {
    const t = this.parseTid(text);
    return t !== undefined && t >= 0;
  }

  private setThread(packet: string): void {
    const t = this.parseTid(packet.slice(2));
    if (t === undefined) return this.error(EINVAL);
    if (packet[1] === 'g') this.gThread = t < 0 ? this.target.vcpuIds[0] : t;
    else this.cThread = t;
    this.send('OK');
  }

  private async registerFile(vcpu: number): Promise<RegisterFile> {
    const [regs, sregs, sys, fpu] = await Promise.all([
      this.target.getRegs(vcpu),
      this.target.getSregs(vcpu),
      this.target.getSystemRegs(vcpu),
      this.target.getFpu(vcpu),
    ]);
    return { regs, sregs, sys, fpu };
  }

  /** Writes back the parts of the register file gdb changed (setting CR0 or a selector needs a setSregs). */
  private async commit(file: RegisterFile, changed: ReadonlySet<RegisterHome>): Promise<void> {
    if (changed.has('regs')) await this.target.setRegs(this.gThread, file.regs);
    if (changed.has('sregs')) await this.target.setSregs(this.gThread, file.sregs);
    if (changed.has('fpu')) await this.target.setFpu(this.gThread, file.fpu);
  }

  private async writeAll(hex: string): Promise<void> {
    const parts = splitAll(hex);
    if (!parts || !/^[0-9a-fA-F]*$/.test(hex)) return this.error(EINVAL);
    const file = await this.registerFile(this.gThread);
    const changed = new Set<RegisterHome>();
    for (let n = 0; n < parts.length; n++) {
      if (encodeRegister(file, n) !== parts[n].toLowerCase()) changed.add(applyRegister(file, n, parts[n]));
    }
    await this.commit(file, changed);
    this.send('OK');
  }

  private async readOne(arg: string): Promise<void> {
    const n = Number.parseInt(arg, 16);
    if (!Number.isInteger(n) || n < 0 || n >= GDB_REGS.length) return this.error(EINVAL);
    this.send(encodeRegister(await this.registerFile(this.gThread), n));
  }

  private async writeOne(arg: string): Promise<void> {
    const m = /^([0-9a-fA-F]+)=([0-9a-fA-F]+)$/.exec(arg);
    const n = m ? Number.parseInt(m[1], 16) : -1;
    if (!m || n >= GDB_REGS.length || m[2].length !== GDB_REGS[n].bits / 4) return this.error(EINVAL);
    const file = await this.registerFile(this.gThread);
    const home = applyRegister(file, n, m[2]);
    if (home === 'none') return this.error(EINVAL);
    await this.commit(file, new Set([home]));
    this.send('OK');
  }

  private parseAddrLen(text: string): { addr: bigint; len: number } | undefined {
    const m = /^([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})$/.exec(text);
    if (!m) return undefined;
    const len = Number.parseInt(m[2], 16);
    return len > MAX_PACKET ? undefined : { addr: BigInt(`0x${m[1]}`), len };
  }

  private async readMem(arg: string): Promise<void> {
    const al = this.parseAddrLen(arg);
    if (!al) return this.error(EINVAL);
    // Reply size is bounded: two hex digits per byte must fit in our PacketSize.
    const len = Math.min(al.len, MAX_PACKET / 2);
    const data = await this.target.readMemory(this.gThread, al.addr, len);
    this.send(Buffer.from(data).toString('hex'));
  }

  private async writeMemHex(arg: string): Promise<void> {
    const colon = arg.indexOf(':');
    const al = colon > 0 ? this.parseAddrLen(arg.slice(0, colon)) : undefined;
    const hex = arg.slice(colon + 1);
    if (!al || hex.length !== al.len * 2 || !/^[0-9a-fA-F]*$/.test(hex)) return this.error(EINVAL);
    await this.target.writeMemory(this.gThread, al.addr, Buffer.from(hex, 'hex'));
    this.send('OK');
  }

  private async writeMemBinary(raw: Uint8Array): Promise<void> {
    const colon = raw.indexOf(0x3a);
    const al = colon > 0 ? this.parseAddrLen(Buffer.from(raw.subarray(1, colon)).toString('latin1')) : undefined;
    const data = unescapeBinary(raw.subarray(colon + 1));
    if (!al || data.length !== al.len) return this.error(EINVAL);
    if (al.len > 0) await this.target.writeMemory(this.gThread, al.addr, Uint8Array.from(data));
    this.send('OK');
  }

  private async breakpoint(insert: boolean, arg: string): Promise<void> {
    const m = /^([0-4]),([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})/.exec(arg);
    if (!m) return this.error(EINVAL);
    const type = Number(m[1]) as BreakType;
    const addr = BigInt(`0x${m[2]}`);
    const kind = Number.parseInt(m[3], 16);
    if (insert) await this.target.insertBreakpoint(type, addr, kind);
    else await this.target.removeBreakpoint(type, addr, kind);
    this.send('OK');
  }

  private async resume(
    actions: Map<number, ResumeAction>,
    others: ResumeAction | 'stay',
    packet: string,
  ): Promise<void> {
    // "c addr" / "s addr" resume at addr; "C sig" / "S sig" carry a signal, which has no meaning for a VM
    // (QEMU ignores it too).
    const addrText = packet[0] === 'c' || packet[0] === 's' ? packet.slice(1) : packet.split(';')[1];
    if (addrText) {
      const vcpu = this.cThreadOr(this.gThread);
      const regs = await this.target.getRegs(vcpu);
      regs.rip = BigInt(`0x${addrText}`);
      await this.target.setRegs(vcpu, regs);
    }
    this.running = true;
    try {
      this.lastStop = await this.target.resume(actions, others);
    } finally {
      this.running = false;
    }
    if (this.lastStop.kind !== 'stopped') return this.send(this.stopReply(this.lastStop));
    this.gThread = this.lastStop.vcpu;
    // Expedite pc, sp and fp in the stop reply (as gdbserver does) so gdb need not fetch every register.
    const file = await this.registerFile(this.gThread);
    const expedited = EXPEDITED.map((n) => `${n.toString(16).padStart(2, '0')}:${encodeRegister(file, n)};`).join('');
    this.send(this.stopReply(this.lastStop) + expedited);
  }

  /** qSupported features of the stop replies below: they name swbreak / hwbreak stops (GDB manual, qSupported). */
  static readonly stopReasonFeatures: readonly string[] = ['swbreak+', 'hwbreak+'];

  private stopReply(ev: StopEvent): string {
    if (ev.kind === 'exited') return `W${(ev.status & 0xff).toString(16).padStart(2, '0')}`;
    if (ev.kind === 'terminated') return `X${SIGKILL.toString(16).padStart(2, '0')}`;
    const r = ev.reason;
    const sig = r.kind === 'interrupt' ? SIGINT : SIGTRAP;
    let extra = '';
    if (r.kind === 'swbreak' || r.kind === 'hwbreak') extra = `${r.kind}:;`;
    else if (r.kind === 'watch' || r.kind === 'rwatch' || r.kind === 'awatch')
      extra = `${r.kind}:${r.addr.toString(16)};`;
    return `T${sig.toString(16).padStart(2, '0')}thread:${tidOf(ev.vcpu)};${extra}`;
  }

  /** Answers a q, Q or v packet from the first row of `packets` it matches; gdb reads '' as "not supported". */
  private async named(packet: string): Promise<void> {
    const row = GdbSession.packets.find((r) => (r.match === 'exact' ? packet === r.name : packet.startsWith(r.name)));
    if (!row) return this.send('');
    await row.run(this, packet.slice(row.name.length));
  }

  /** The qSupported reply: our packet size, the stop reasons stopReply reports, and every row's feature. */
  static supported(): string {
    const features = GdbSession.packets.flatMap((r) => (r.feature ? [r.feature] : []));
    return [`PacketSize=${MAX_PACKET.toString(16)}`, ...GdbSession.stopReasonFeatures, ...features].join(';');
  }

  /**
   * The q, Q and v packets, in the order they are tried (as QEMU's gdbstub declares its command tables). A
   * feature that qSupported advertises is declared on the row that implements it.
   */
  static readonly packets: readonly NamedPacket[] = [
    { name: 'qSupported', match: 'prefix', run: (s) => s.send(GdbSession.supported()) },
    {
      name: 'QStartNoAckMode',
      match: 'exact',
      feature: 'QStartNoAckMode+',
      run: (s) => {
        s.send('OK');
        s.noAck = true;
      },
    },
    {
      name: 'qXfer:features:read:',
      match: 'prefix',
      feature: 'qXfer:features:read+',
      run: (s, arg) => s.xferFeatures(arg),
    },
    { name: 'qfThreadInfo', match: 'exact', run: (s) => s.send(`m${s.target.vcpuIds.map(tidOf).join(',')}`) },
    { name: 'qsThreadInfo', match: 'exact', run: (s) => s.send('l') },
    { name: 'qC', match: 'exact', run: (s) => s.send(`QC${tidOf(s.gThread)}`) },
    { name: 'qAttached', match: 'prefix', run: (s) => s.send('1') },
    {
      name: 'qThreadExtraInfo,',
      match: 'prefix',
      run: (s, arg) => {
        const t = s.parseTid(arg);
        const text = t === undefined || t < 0 ? 'unknown' : `vCPU ${t}`;
        s.send(Buffer.from(text).toString('hex'));
      },
    },
    // vContSupported+: gdb takes the actions listed in the vCont? reply as the ones this stub supports.
    { name: 'vCont?', match: 'exact', feature: 'vContSupported+', run: (s) => s.send('vCont;c;C;s;S') },
    { name: 'vCont;', match: 'prefix', run: (s, arg) => s.vCont(arg) },
    {
      name: 'vKill',
      match: 'prefix',
      run: async (s) => {
        await s.target.kill();
        s.send('OK');
      },
    },
  ];

  private xferFeatures(arg: string): void {
    const m = /^([^:]+):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(arg);
    if (!m) return this.error(EINVAL);
    if (m[1] !== 'target.xml') return this.error(0);
    const doc = Buffer.from(targetXml(), 'latin1');
    const offset = Number.parseInt(m[2], 16);
    const length = Math.min(Number.parseInt(m[3], 16), MAX_PACKET - 16);
    const chunk = doc.subarray(offset, offset + length);
    const more = offset + chunk.length < doc.length;
    this.send(Buffer.concat([Buffer.from(more ? 'm' : 'l'), chunk]));
  }

  private async vCont(arg: string): Promise<void> {
    const actions = new Map<number, ResumeAction>();
    let others: ResumeAction | 'stay' = 'stay';
    for (const item of arg.split(';')) {
      const [act, thread] = item.split(':');
      const action: ResumeAction | undefined =
        act[0] === 'c' || act[0] === 'C' ? 'continue' : act[0] === 's' || act[0] === 'S' ? 'step' : undefined;
      if (!action) return this.error(EINVAL);
      const t = thread === undefined ? -1 : this.parseTid(thread);
      if (t === undefined) return this.error(EINVAL);
      // The leftmost action that applies to a thread wins (GDB manual, vCont).
      if (t < 0) {
        if (others === 'stay') others = action;
      } else if (!actions.has(t)) actions.set(t, action);
    }
    return this.resume(actions, others, 'vCont');
  }
}
