// MUL IMUL DIV IDIV (SDM vol. 2). 64-bit operands use 32-bit halves and 16-bit limbs so every
// intermediate stays an exact JS double (< 2^53); no BigInt.
// MUL: "The OF and CF flags are set to 0 if the upper half of the result is 0; otherwise, they are set to
// 1. The SF, ZF, AF, and PF flags are undefined." IMUL: "CF and OF are set when significant bits are carried
// into the upper half"; DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined"; "#DE: if the
// source operand (divisor) is 0; if the quotient is too large for the designated register".
import { AF, ARITH, aluOut, CF, OF, PF, SF, ZF } from './out.js';
import { mulHi32 } from './wide.js';

/** 128-bit product limbs p0 (lowest) .. p3, written by mul64u. */
let p0 = 0;
let p1 = 0;
let p2 = 0;
let p3 = 0;
/** 32x32 -> 64 product halves, written by mul32u. */
let mLo = 0;
let mHi = 0;

function mul32u(a: number, b: number): void {
  mLo = Math.imul(a, b) >>> 0;
  mHi = mulHi32(a, b);
}

/** (aHi:aLo) * (bHi:bLo) unsigned -> p3:p2:p1:p0. */
function mul64u(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mul32u(aLo, bLo);
  const ll0 = mLo;
  const ll1 = mHi;
  mul32u(aLo, bHi);
  const lh0 = mLo;
  const lh1 = mHi;
  mul32u(aHi, bLo);
  const hl0 = mLo;
  const hl1 = mHi;
  mul32u(aHi, bHi);
  const hh0 = mLo;
  const hh1 = mHi;
  p0 = ll0;
  const s1 = ll1 + lh0 + hl0; // < 3 * 2^32
  p1 = s1 >>> 0;
  const s2 = Math.floor(s1 / 4294967296) + lh1 + hl1 + hh0;
  p2 = s2 >>> 0;
  p3 = (Math.floor(s2 / 4294967296) + hh1) >>> 0;
}

/** Negate the 128-bit p3:p2:p1:p0 (two's complement). */
function neg128(): void {
  p0 = ~p0 >>> 0;
  p1 = ~p1 >>> 0;
  p2 = ~p2 >>> 0;
  p3 = ~p3 >>> 0;
  p0 = (p0 + 1) >>> 0;
  if (p0 === 0) {
    p1 = (p1 + 1) >>> 0;
    if (p1 === 0) {
      p2 = (p2 + 1) >>> 0;
      if (p2 === 0) p3 = (p3 + 1) >>> 0;
    }
  }
}

/** Flags of MUL/IMUL: CF=OF=overflow; the SDM-undefined SF ZF AF PF are left unchanged by the reference
 *  host, and so here. */
function mulFlags(flags: number, overflow: boolean): number {
  aluOut.undef = SF | ZF | AF | PF;
  return (flags & ~(CF | OF)) | (overflow ? CF | OF : 0);
}

/** MUL: AL/AX/EAX/RAX * src. Low half -> aluOut.lo/hi (size 1: AL), high half -> lo2/hi2 (size 1: AH). */
export function mul(size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number): number {
  if (size === 8) {
    mul64u(aLo, aHi, bLo, bHi);
    aluOut.lo = p0;
    aluOut.hi = p1;
    aluOut.lo2 = p2;
    aluOut.hi2 = p3;
    return mulFlags(flags, (p2 | p3) !== 0);
  }
  aluOut.hi = 0;
  aluOut.hi2 = 0;
  if (size === 4) {
    mul32u(aLo, bLo);
    aluOut.lo = mLo;
    aluOut.lo2 = mHi;
    return mulFlags(flags, mHi !== 0);
  }
  const bits = size * 8;
  const p = aLo * bLo; // < 2^32
  const mask = size === 2 ? 0xffff : 0xff;
  aluOut.lo = p & mask;
  aluOut.lo2 = (p >>> bits) & mask;
  return mulFlags(flags, aluOut.lo2 !== 0);
}

/** Signed full product into p3:p2:p1:p0 (size 8) or mLo/mHi (size 4). */
function imulFull(size: number, aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (size === 8) {
    const an = aHi >>> 31;
    const bn = bHi >>> 31;
    let xl = aLo;
    let xh = aHi;
    let yl = bLo;
    let yh = bHi;
    if (an) {
      xl = (~aLo + 1) >>> 0;
      xh = (~aHi + (xl === 0 ? 1 : 0)) >>> 0;
    }
    if (bn) {
      yl = (~bLo + 1) >>> 0;
      yh = (~bHi + (yl === 0 ? 1 : 0)) >>> 0;
    }
    mul64u(xl, xh, yl, yh);
    if (an !== bn) neg128();
  } else {
    const a = aLo | 0;
    const b = bLo | 0;
    mul32u(Math.abs(a), Math.abs(b));
    if (a < 0 !== b < 0 && (mLo | mHi) !== 0) {
      mLo = (~mLo + 1) >>> 0;
      mHi = (~mHi + (mLo === 0 ? 1 : 0)) >>> 0;
    }
  }
}

/** IMUL r/m (one operand): signed AL/AX/EAX/RAX * src, halves as for mul(). */
export function imul1(size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number): number {
  if (size === 8) {
    imulFull(8, aLo, aHi, bLo, bHi);
    aluOut.lo = p0;
    aluOut.hi = p1;
    aluOut.lo2 = p2;
    aluOut.hi2 = p3;
    const ext = p1 >>> 31 ? 0xffffffff : 0;
    return mulFlags(flags, p2 !== ext || p3 !== ext);
  }
  aluOut.hi = 0;
  aluOut.hi2 = 0;
  if (size === 4) {
    imulFull(4, aLo, aHi, bLo, bHi);
    aluOut.lo = mLo;
    aluOut.lo2 = mHi;
    return mulFlags(flags, mHi !== (mLo >>> 31 ? 0xffffffff : 0));
  }
  const bits = size * 8;
  const sa = (aLo << (32 - bits)) >> (32 - bits);
  const sb = (bLo << (32 - bits)) >> (32 - bits);
  const p = sa * sb;
  const mask = size === 2 ? 0xffff : 0xff;
  aluOut.lo = p & mask;
  aluOut.lo2 = (p >> bits) & mask;
  const trunc = (p << (32 - bits)) >> (32 - bits);
  return mulFlags(flags, trunc !== p);
}

/** IMUL r, r/m and IMUL r, r/m, imm: the product truncated to size (aluOut.lo/hi); CF=OF on overflow. */
export function imul2(size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number): number {
  const f = imul1(size, aLo, aHi, bLo, bHi, flags);
  aluOut.lo2 = 0;
  aluOut.hi2 = 0;
  return f;
}

/** Unsigned (high:low) / d with high < d, for 64-bit halves. Quotient -> qLo/qHi, remainder -> rLo/rHi. */
let qLo = 0;
let qHi = 0;
let rLo = 0;
let rHi = 0;

function div128(nLo: number, nHi: number, hLo: number, hHi: number, dLo: number, dHi: number): void {
  if (dHi === 0 && hHi === 0) {
    // Divisor < 2^32 and high < divisor: schoolbook on 16-bit digits, every partial value < 2^48.
    let r = hLo;
    let q = 0;
    let qh = 0;
    for (let i = 0; i < 4; i++) {
      const digit = i === 0 ? nHi >>> 16 : i === 1 ? nHi & 0xffff : i === 2 ? nLo >>> 16 : nLo & 0xffff;
      const t = r * 65536 + digit;
      const qd = Math.floor(t / dLo);
      r = t - qd * dLo;
      qh = ((qh << 16) | (q >>> 16)) >>> 0;
      q = ((q << 16) | qd) >>> 0;
    }
    qLo = q;
    qHi = qh;
    rLo = r;
    rHi = 0;
    return;
  }
  // Restoring division one quotient bit at a time (the remainder fits 65 bits).
  let rl = hLo;
  let rh = hHi;
  let ql = 0;
  let qh = 0;
  for (let i = 63; i >= 0; i--) {
    const carry = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | (i >= 32 ? (nHi >>> (i - 32)) & 1 : (nLo >>> i) & 1)) >>> 0;
    qh = ((qh << 1) | (ql >>> 31)) >>> 0;
    ql = (ql << 1) >>> 0;
    if (carry || rh > dHi || (rh === dHi && rl >= dLo)) {
      const l = rl - dLo;
      rl = l >>> 0;
      rh = (rh - dHi - (l < 0 ? 1 : 0)) >>> 0;
      ql = (ql | 1) >>> 0;
    }
  }
  qLo = ql;
  qHi = qh;
  rLo = rl;
  rHi = rh;
}

/** Flags after DIV/IDIV: all six SDM-undefined; the reference host keeps CF and OF, clears SF ZF PF and
 *  sets AF, whatever the operands. */
function divFlags(flags: number): number {
  aluOut.undef = ARITH;
  return (flags & ~(SF | ZF | PF)) | AF;
}

/**
 * DIV: unsigned (high:low) / src, each of `size`. size 1: high = AH, low = AL. Quotient -> aluOut.lo/hi,
 * remainder -> lo2/hi2. Returns -1 for #DE.
 */
export function div(
  size: number,
  highLo: number,
  highHi: number,
  lowLo: number,
  lowHi: number,
  dLo: number,
  dHi: number,
  flags: number,
): number {
  if (size === 8) {
    if ((dLo | dHi) === 0) return -1;
    if (highHi > dHi || (highHi === dHi && highLo >= dLo)) return -1;
    div128(lowLo, lowHi, highLo, highHi, dLo, dHi);
    aluOut.lo = qLo;
    aluOut.hi = qHi;
    aluOut.lo2 = rLo;
    aluOut.hi2 = rHi;
    return divFlags(flags);
  }
  if (dLo === 0) return -1;
  aluOut.hi = 0;
  aluOut.hi2 = 0;
  if (size === 4) {
    if (highLo >= dLo) return -1;
    div128(lowLo, highLo, 0, 0, dLo, 0);
    aluOut.lo = qLo;
    aluOut.lo2 = rLo;
    return divFlags(flags);
  }
  const bits = size * 8;
  const n = highLo * 2 ** bits + lowLo;
  const q = Math.floor(n / dLo);
  if (q >= 2 ** bits) return -1;
  aluOut.lo = q;
  aluOut.lo2 = n - q * dLo;
  return divFlags(flags);
}

/** IDIV: signed (high:low) / src; "the quotient is truncated toward zero; the remainder has the sign of the
 *  dividend". Returns -1 for #DE (divisor 0 or quotient outside the signed range). */
export function idiv(
  size: number,
  highLo: number,
  highHi: number,
  lowLo: number,
  lowHi: number,
  dLo: number,
  dHi: number,
  flags: number,
): number {
  if (size === 8) {
    if ((dLo | dHi) === 0) return -1;
    const nn = highHi >>> 31;
    const dn = dHi >>> 31;
    p0 = lowLo;
    p1 = lowHi;
    p2 = highLo;
    p3 = highHi;
    if (nn) neg128();
    let yl = dLo;
    let yh = dHi;
    if (dn) {
      yl = (~dLo + 1) >>> 0;
      yh = (~dHi + (yl === 0 ? 1 : 0)) >>> 0;
    }
    if (p3 > yh || (p3 === yh && p2 >= yl)) return -1;
    div128(p0, p1, p2, p3, yl, yh);
    // |quotient| must fit: <= 2^63 - 1, or 2^63 when negative.
    const neg = nn !== dn;
    if (qHi > 0x80000000 || (qHi === 0x80000000 && (qLo !== 0 || !neg))) return -1;
    let ql = qLo;
    let qh = qHi;
    if (neg) {
      ql = (~qLo + 1) >>> 0;
      qh = (~qHi + (ql === 0 ? 1 : 0)) >>> 0;
    }
    let rl = rLo;
    let rh = rHi;
    if (nn) {
      rl = (~rLo + 1) >>> 0;
      rh = (~rHi + (rl === 0 ? 1 : 0)) >>> 0;
    }
    aluOut.lo = ql;
    aluOut.hi = qh;
    aluOut.lo2 = rl;
    aluOut.hi2 = rh;
    return divFlags(flags);
  }
  if (dLo === 0) return -1;
  aluOut.hi = 0;
  aluOut.hi2 = 0;
  const bits = size * 8;
  const mask = size === 4 ? 0xffffffff : (1 << bits) - 1;
  const d = size === 4 ? dLo | 0 : (dLo << (32 - bits)) >> (32 - bits);
  if (size === 4) {
    // 64-bit dividend: work on magnitudes with div128.
    const nn = highLo >>> 31;
    let nl = lowLo;
    let nh = highLo;
    if (nn) {
      nl = (~lowLo + 1) >>> 0;
      nh = (~highLo + (nl === 0 ? 1 : 0)) >>> 0;
    }
    const ad = Math.abs(d);
    if (nh >= ad) return -1;
    div128(nl, nh, 0, 0, ad, 0);
    const neg = nn !== (d < 0 ? 1 : 0);
    if (qLo > 0x80000000 || (qLo === 0x80000000 && !neg)) return -1;
    aluOut.lo = (neg ? -qLo : qLo) >>> 0;
    aluOut.lo2 = (nn ? -rLo : rLo) >>> 0;
    return divFlags(flags);
  }
  const n = (((highLo << bits) | lowLo) << (32 - 2 * bits)) >> (32 - 2 * bits);
  const q = Math.trunc(n / d);
  const lim = 2 ** (bits - 1);
  if (q >= lim || q < -lim) return -1;
  aluOut.lo = q & mask;
  aluOut.lo2 = (n - q * d) & mask;
  return divFlags(flags);
}
