// The byte layout of one C struct as this backend encodes it. The layout oracle test (test/kvm/layout.test.ts)
// compiles these names against <linux/kvm.h> and checks every size and offset.

export interface StructLayout<F extends string = string> {
  /** The C type, e.g. 'struct kvm_regs'. */
  readonly cType: string;
  readonly size: number;
  /** C member designators (as offsetof() accepts them, e.g. 'exception.injected') to byte offsets. */
  readonly offsets: Readonly<Record<F, number>>;
}

export function layout<F extends string>(cType: string, size: number, offsets: Record<F, number>): StructLayout<F> {
  return { cType, size, offsets };
}

/** A zeroed buffer of the struct's size and a little-endian DataView over it (x86-64 is little-endian). */
export function allocStruct(l: StructLayout): { buf: Buffer; dv: DataView } {
  const buf = Buffer.alloc(l.size);
  return { buf, dv: new DataView(buf.buffer, buf.byteOffset, buf.byteLength) };
}

export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export const LE = true;
