/**
 * Python `str.format` with keyword fields, as Keras fills ModelCheckpoint paths:
 * `'w.{epoch:02d}-{val_loss:.2f}.onnx'.format(epoch=3, val_loss=0.41234)` → `'w.03-0.41.onnx'`.
 *
 * Values keep Python's types, which decide what a spec means: a JS `number` is a Python float, a
 * `bigint` a Python int (epoch and batch), a `string` a str. So `{epoch:02d}` works, `{loss:d}` is
 * an error (as in Python), and `{loss}` prints repr (`0.30000000000000004`, `1e-05`, `3.0`).
 *
 * The format-spec mini-language is implemented for what people write in file names —
 * `[[fill]align][sign][0][width][,|_][.precision][type]` with types d, e, E, f, F, g, G, %, s and
 * none — and rounding is Python's (half-to-even on the exact binary value: `'{:.2f}'` of 0.125 is
 * `0.12`). The rest (`#`, `z`, `!r` conversions, `{a.b}`/`{a[0]}` access, nested `{w}` fields,
 * types b, c, n, o, x, X) is rejected with an error rather than silently misformatted.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { codePointLength, formatFixed, formatRepr } from '../metrics/pyFormat.js';

/** A value as Python sees it: number = float, bigint = int, string = str. */
export type FormatValue = number | bigint | string;

interface Spec {
  readonly text: string;
  readonly fill: string | undefined;
  readonly align: '<' | '>' | '^' | '=' | undefined;
  readonly sign: '+' | '-' | ' ' | undefined;
  readonly zero: boolean;
  readonly width: number;
  readonly grouping: ',' | '_' | undefined;
  readonly precision: number | undefined;
  readonly type: string | undefined;
}

type Part = string | { readonly name: string; readonly spec: Spec; readonly text: string };

/** A template parsed once (syntax errors surface at construction, not at the first epoch). */
export interface FormatTemplate {
  readonly template: string;
  /** Field names in order of appearance, e.g. `['epoch', 'val_loss']`. */
  readonly fields: readonly string[];
  readonly parts: readonly Part[];
}

const TYPES = new Set(['d', 'e', 'E', 'f', 'F', 'g', 'G', '%', 's']);
const ALIGNS = new Set(['<', '>', '^', '=']);

function syntax(where: string, template: string, problem: string): ValueError {
  return new ValueError(expectedMessage(where, `a Python str.format template (${problem})`, template));
}

function parseSpec(where: string, template: string, text: string): Spec {
  const c = Array.from(text);
  let i = 0;
  let fill: string | undefined, align: Spec['align'];
  if (c.length >= 2 && ALIGNS.has(c[1])) {
    fill = c[0];
    align = c[1] as Spec['align'];
    i = 2;
  } else if (c.length >= 1 && ALIGNS.has(c[0])) {
    align = c[0] as Spec['align'];
    i = 1;
  }
  let sign: Spec['sign'];
  if (c[i] === '+' || c[i] === '-' || c[i] === ' ') sign = c[i++] as Spec['sign'];
  if (c[i] === 'z' || c[i] === '#') throw syntax(where, template, `the '${c[i]}' option of spec "${text}" is not supported`);
  let zero = false;
  if (fill === undefined && c[i] === '0') {
    zero = true;
    i++;
  }
  let digits = '';
  while (i < c.length && c[i] >= '0' && c[i] <= '9') digits += c[i++];
  let grouping: Spec['grouping'];
  if (c[i] === ',' || c[i] === '_') grouping = c[i++] as Spec['grouping'];
  let precision: number | undefined;
  if (c[i] === '.') {
    i++;
    let p = '';
    while (i < c.length && c[i] >= '0' && c[i] <= '9') p += c[i++];
    if (p === '') throw syntax(where, template, `spec "${text}" has '.' without a precision`);
    precision = Number(p);
  }
  if (c.length - i > 1) throw syntax(where, template, `spec "${text}" is not [[fill]align][sign][0][width][,][.precision][type]`);
  const type = c[i];
  if (type !== undefined && !TYPES.has(type)) {
    throw syntax(where, template, `type '${type}' of spec "${text}" is not supported; use d, e, E, f, F, g, G, % or s`);
  }
  return { text, fill, align, sign, zero, width: digits === '' ? 0 : Number(digits), grouping, precision, type };
}

/** Parses `template`; `where` names the option in errors (e.g. `ModelCheckpoint: option "filepath"`). */
export function parseFormat(template: string, where: string): FormatTemplate {
  if (typeof template !== 'string') throw new ValueError(expectedMessage(where, 'a string', template));
  const parts: Part[] = [];
  const fields: string[] = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === '}') {
      if (template[i + 1] !== '}') throw syntax(where, template, `single '}' at index ${i}; write '}}' for a literal brace`);
      literal += '}';
      i++;
      continue;
    }
    if (ch !== '{') {
      literal += ch;
      continue;
    }
    if (template[i + 1] === '{') {
      literal += '{';
      i++;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) throw syntax(where, template, `'{' at index ${i} is never closed; write '{{' for a literal brace`);
    const body = template.slice(i + 1, close);
    if (body.includes('{')) throw syntax(where, template, `nested fields in "{${body}}" are not supported`);
    const colon = body.indexOf(':');
    const head = colon < 0 ? body : body.slice(0, colon);
    if (head.includes('!')) throw syntax(where, template, `conversions such as "!r" in "{${body}}" are not supported`);
    if (head === '' || /^\d+$/.test(head)) {
      throw syntax(where, template, `"{${body}}" is a positional field; name a log key, e.g. {epoch:02d} or {val_loss:.2f}`);
    }
    if (/[.[\]]/.test(head)) throw syntax(where, template, `attribute or index access in "{${body}}" is not supported`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ name: head, spec: parseSpec(where, template, colon < 0 ? '' : body.slice(colon + 1)), text: `{${body}}` });
    fields.push(head);
    i = close;
  }
  if (literal) parts.push(literal);
  return { template, fields, parts };
}

/** Fills a parsed template; a field missing from `values` or a spec unfit for its value is a ValueError. */
export function formatTemplate(t: FormatTemplate, values: Readonly<Record<string, FormatValue>>, where: string): string {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(values, p.name)) {
      const keys = Object.keys(values);
      throw new ValueError(`${where} expected fields that name available values (${keys.length ? keys.join(', ') : 'none'}), ` +
        `received ${p.text} in "${t.template}", and "${p.name}" is missing.`);
    }
    out += formatValue(values[p.name], p.spec, (problem) =>
      new ValueError(`${where} expected ${problem}, received ${p.text} in "${t.template}" with ${p.name} = ${describeValue(values[p.name])}.`));
  }
  return out;
}

/** Python `template.format(**values)`. */
export function pyFormat(template: string, values: Readonly<Record<string, FormatValue>>, where = 'format'): string {
  return formatTemplate(parseFormat(template, where), values, where);
}

function describeValue(v: FormatValue): string {
  return typeof v === 'bigint' ? `${v} (int)` : typeof v === 'string' ? `${JSON.stringify(v)} (str)` : `${formatRepr(v)} (float)`;
}

type Fail = (problem: string) => ValueError;

function formatValue(v: FormatValue, s: Spec, fail: Fail): string {
  const pyType = typeof v === 'bigint' ? 'int' : typeof v === 'string' ? 'str' : 'float';
  if (typeof v === 'string') {
    if (s.type !== undefined && s.type !== 's') throw fail(`a spec for a str (Python: Unknown format code '${s.type}' for object of type 'str')`);
    if (s.sign) throw fail('no sign in a str spec (Python: Sign not allowed in string format specifier)');
    if (s.align === '=') throw fail("no '=' alignment in a str spec");
    if (s.grouping) throw fail(`no '${s.grouping}' in a str spec`);
    const chars = Array.from(v);
    const body = s.precision === undefined ? v : chars.slice(0, s.precision).join('');
    return pad('', body, s.zero && s.fill === undefined ? '0' : s.fill ?? ' ', s.align ?? '<', s.width);
  }
  if (s.type === 's') throw fail(`a spec for a ${pyType} (Python: Unknown format code 's' for object of type '${pyType}')`);
  if (typeof v === 'bigint' && (s.type === undefined || s.type === 'd')) {
    if (s.precision !== undefined) throw fail('no precision in an int spec (Python: Precision not allowed in integer format specifier)');
    return number(v < 0n ? '-' : '', (v < 0n ? -v : v).toString(), '', s);
  }
  if (s.type === 'd') throw fail("a spec for a float (Python: Unknown format code 'd' for object of type 'float'); use .0f");
  const x = Number(v);
  const neg = x < 0 || Object.is(x, -0);
  const body = floatBody(Math.abs(x), s);
  const lead = /^\d*/.exec(body)![0];
  return number(neg ? '-' : '', lead, body.slice(lead.length), s);
}

/** The unsigned text of a float for the spec's type. */
function floatBody(a: number, s: Spec): string {
  const upper = s.type === 'E' || s.type === 'F' || s.type === 'G';
  if (!Number.isFinite(a)) {
    const t = Number.isNaN(a) ? 'nan' : 'inf';
    return (upper ? t.toUpperCase() : t) + (s.type === '%' ? '%' : '');
  }
  const p = s.precision;
  switch (s.type) {
    case 'f': case 'F': return formatFixed(a, p ?? 6);
    case '%': return formatFixed(a * 100, p ?? 6) + '%';
    case 'e': case 'E': return exponent(a, p ?? 6, upper);
    case 'g': case 'G': return general(a, p ?? 6, false, upper);
    default: return p === undefined ? formatRepr(a) : general(a, p, true, false);
  }
}

/** Exact decimal digits of a finite double ≥ 0: value = digits × 10^scale (BigInt arithmetic, no rounding). */
function exactDecimal(a: number): { digits: string; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let k = -1074;
  if (e !== 0) {
    m |= 1n << 52n;
    k = e - 1075;
  }
  if (m === 0n) return { digits: '0', scale: 0 };
  // m·2^k = m·5^-k·10^k for k < 0.
  return k >= 0 ? { digits: (m << BigInt(k)).toString(), scale: 0 } : { digits: (m * 5n ** BigInt(-k)).toString(), scale: k };
}

/** `a` rounded half-to-even to `n` significant digits: the digits and the decimal exponent of the first. */
function significant(a: number, n: number): { digits: string; exp: number } {
  const { digits, scale } = exactDecimal(a);
  if (digits === '0') return { digits: '0'.repeat(n), exp: 0 };
  let exp = digits.length - 1 + scale;
  if (digits.length <= n) return { digits: digits + '0'.repeat(n - digits.length), exp };
  let kept = digits.slice(0, n);
  const rest = digits.slice(n);
  const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || Number(kept[n - 1]) % 2 === 1));
  if (up) {
    const bumped = (BigInt(kept) + 1n).toString();
    if (bumped.length > n) {
      exp++;
      kept = bumped.slice(0, n);
    } else kept = bumped;
  }
  return { digits: kept, exp };
}

function expSuffix(exp: number, upper: boolean): string {
  return `${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python `'{:.{p}e}'` of a ≥ 0. */
function exponent(a: number, p: number, upper: boolean): string {
  const { digits, exp } = significant(a, p + 1);
  return (p > 0 ? `${digits[0]}.${digits.slice(1)}` : digits) + expSuffix(exp, upper);
}

/**
 * Python `'{:.{p}g}'` of a ≥ 0 (CPython format_float_short): fixed notation when −4 ≤ exp < p,
 * trailing zeros removed. `addDot0` is the no-type case with a precision: scientific from
 * exp ≥ p − 1, and fixed results keep at least `.0`.
 */
function general(a: number, p: number, addDot0: boolean, upper: boolean): string {
  const n = p === 0 ? 1 : p;
  const { digits, exp } = significant(a, n);
  const strip = (s: string): string => s.replace(/0+$/, '');
  if (exp < -4 || exp >= (addDot0 ? n - 1 : n)) {
    const frac = strip(digits.slice(1));
    return (frac ? `${digits[0]}.${frac}` : digits[0]) + expSuffix(exp, upper);
  }
  let int: string, frac: string;
  if (exp < 0) {
    int = '0';
    frac = '0'.repeat(-exp - 1) + digits;
  } else {
    int = digits.slice(0, exp + 1);
    frac = digits.slice(exp + 1);
  }
  frac = strip(frac);
  if (frac) return `${int}.${frac}`;
  return addDot0 ? `${int}.0` : int;
}

/**
 * Assembles sign, integer digits (grouped; zero-padded inside the grouping when the fill is '0'
 * with '=' alignment, as CPython's _PyUnicode_InsertThousandsGrouping) and the rest, then pads.
 */
function number(minus: string, digits: string, rest: string, s: Spec): string {
  const sign = minus || (s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '');
  let fill = s.fill ?? ' ';
  let align = s.align ?? '>';
  if (s.zero && s.fill === undefined) {
    fill = '0';
    if (s.align === undefined) align = '=';
  }
  let grouped = digits;
  if (digits !== '' && (s.grouping || (fill === '0' && align === '='))) {
    const minWidth = fill === '0' && align === '=' ? s.width - codePointLength(sign) - codePointLength(rest) : 0;
    grouped = group(digits, s.grouping, minWidth);
  }
  return pad(sign, grouped + rest, fill, align, s.width);
}

function group(digits: string, sep: string | undefined, minWidth: number): string {
  const size = sep ? 3 : Infinity;
  const groups: string[] = [];
  let remaining = digits.length, min = minWidth;
  for (;;) {
    const len = Math.min(size, Math.max(remaining, min, 1));
    const chars = Math.min(remaining, len);
    groups.unshift('0'.repeat(len - chars) + digits.slice(remaining - chars, remaining));
    remaining -= chars;
    min -= len;
    if (remaining <= 0 && min <= 0) break;
    if (sep) min -= 1;
  }
  return groups.join(sep ?? '');
}

function pad(sign: string, body: string, fill: string, align: string, width: number): string {
  const n = width - codePointLength(sign) - codePointLength(body);
  if (n <= 0) return sign + body;
  if (align === '<') return sign + body + fill.repeat(n);
  if (align === '^') return fill.repeat(Math.floor(n / 2)) + sign + body + fill.repeat(n - Math.floor(n / 2));
  if (align === '=') return sign + fill.repeat(n) + body;
  return fill.repeat(n) + sign + body;
}
