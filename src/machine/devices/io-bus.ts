// Port-I/O bus: turns a KVM_EXIT_IO (size, count, direction, data) into device reads and writes.
import { IoDirection, type IoExit } from '../../abi/index.js';
import type { GuestEnd } from '../guest-end.js';
import { floatingBus, type IoSize, type PortDevice } from './port-device.js';

interface Mapping {
  base: number;
  length: number;
  device: PortDevice;
}

export interface IoStats {
  /** Accesses to ports no device claims (reads return all ones, writes are dropped). */
  unclaimedReads: number;
  unclaimedWrites: number;
  /** Unclaimed ports seen, with their access counts. */
  unclaimedPorts: Map<number, number>;
}

export class IoBus {
  private readonly mappings: Mapping[] = [];
  readonly stats: IoStats = { unclaimedReads: 0, unclaimedWrites: 0, unclaimedPorts: new Map() };

  /** Claims ports base..base+length-1 for `device`; overlapping claims are a programming error. */
  register(base: number, length: number, device: PortDevice): this {
    const clash = this.mappings.find((m) => base < m.base + m.length && m.base < base + length);
    if (clash) throw new Error(`ports 0x${base.toString(16)}+${length} of ${device.name} overlap ${clash.device.name}`);
    this.mappings.push({ base, length, device });
    return this;
  }

  private find(port: number): PortDevice | undefined {
    return this.mappings.find((m) => port >= m.base && port < m.base + m.length)?.device;
  }

  /**
   * Performs every element of a (possibly string) I/O exit: IN fills io.data for the next run(), OUT consumes it.
   * KVM reports `count` elements of `size` bytes all at the same port. Returns the first GuestEnd a write causes.
   */
  dispatch(io: IoExit): GuestEnd | undefined {
    const size = io.size as IoSize;
    const device = this.find(io.port);
    const view = new DataView(io.data.buffer, io.data.byteOffset, io.data.byteLength);
    if (!device) this.countUnclaimed(io);
    for (let i = 0; i < io.count; i++) {
      const off = i * size;
      if (io.direction === IoDirection.In) {
        const v = device ? device.read(io.port, size) : floatingBus(size);
        writeLe(view, off, size, v);
      } else if (device) {
        const end = device.write(io.port, size, readLe(view, off, size));
        if (end) return end;
      }
    }
    return undefined;
  }

  private countUnclaimed(io: IoExit): void {
    if (io.direction === IoDirection.In) this.stats.unclaimedReads += io.count;
    else this.stats.unclaimedWrites += io.count;
    this.stats.unclaimedPorts.set(io.port, (this.stats.unclaimedPorts.get(io.port) ?? 0) + io.count);
  }
}

function readLe(view: DataView, off: number, size: IoSize): number {
  return size === 1 ? view.getUint8(off) : size === 2 ? view.getUint16(off, true) : view.getUint32(off, true);
}

function writeLe(view: DataView, off: number, size: IoSize, v: number): void {
  if (size === 1) view.setUint8(off, v & 0xff);
  else if (size === 2) view.setUint16(off, v & 0xffff, true);
  else view.setUint32(off, v >>> 0, true);
}
