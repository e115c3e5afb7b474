/**
 * Python's float formatting, reproduced so that classification reports are character-for-character
 * sklearn's: `'{:.2f}'` rounds the exact binary value half-to-even (0.125 → '0.12'), while JS
 * `toFixed` rounds exact ties up ('0.13'); `'{}'` of a float is `repr` (shortest round-trip digits,
 * always with a '.0' or an exponent: '3.0', '1e-05'), unlike `String(3)` → '3'.
 */

/** Python `format(x, '.{digits}f')`. */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const abs = Math.abs(x);
  if (abs >= 1e21) return sign + bigFixed(abs, digits);
  let s = abs.toFixed(digits);
  // toFixed rounds from the exact binary value, so it differs from Python only on an exact tie:
  // the exact expansion is the kept digits, then '5', then only zeros. toFixed(100) is exact for
  // every such value (a tie at d digits has d+1 fractional digits).
  if (digits < 99) {
    const exact = abs.toFixed(Math.min(100, digits + 60));
    const point = exact.indexOf('.');
    const tail = exact.slice(point + 1 + digits);
    if (/^50*$/.test(tail)) {
      const kept = digits === 0 ? exact.slice(0, point) : exact.slice(0, point + 1 + digits);
      const lastDigit = Number(kept[kept.length - 1]);
      if (lastDigit % 2 === 0) s = kept; // half-even: keep the even digit instead of rounding up
    }
  }
  return sign + s;
}

function bigFixed(abs: number, digits: number): string {
  // Integers ≥ 1e21 have no fraction; BigInt prints their exact value as Python does.
  const int = BigInt(abs).toString();
  return digits > 0 ? `${int}.${'0'.repeat(digits)}` : int;
}

/** Python `repr(x)` / `format(x, '')` of a float: '3.0', '0.1', '1e-05', '1.5e+16', 'nan', 'inf'. */
export function formatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, as repr does.
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Length in code points, which is what Python's `len` and format widths count. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python `'{:>{width}}'.format(s)`: right-aligned, never truncated. */
export function alignRight(s: string, width: number): string {
  const pad = width - codePointLength(s);
  return pad > 0 ? ' '.repeat(pad) + s : s;
}
