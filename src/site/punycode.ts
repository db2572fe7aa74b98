/**
 * Punycode decoding (RFC 3492), the little the site needs to show an
 * internationalised name in Unicode: small enough for the page's budget.
 */
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;

function adapt(delta: number, points: number, first: boolean): number {
  let scaled = first ? Math.floor(delta / 700) : delta >> 1;
  scaled += Math.floor(scaled / points);
  let k = 0;
  for (; scaled > 455; k += BASE) scaled = Math.floor(scaled / 35);
  return k + Math.floor((36 * scaled) / (scaled + 38));
}

/** One label's Unicode form from its Punycode (the part after `xn--`); throws on malformed input. */
function decodeLabel(input: string): string {
  const output: number[] = [];
  const basic = Math.max(0, input.lastIndexOf('-'));
  for (let index = 0; index < basic; index++) output.push(input.charCodeAt(index));
  let n = 128;
  let bias = 72;
  let i = 0;
  for (let at = basic > 0 ? basic + 1 : 0; at < input.length;) {
    const old = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      if (at >= input.length) throw new RangeError('truncated Punycode');
      const code = input.charCodeAt(at++);
      const digit = code - 48 < 10 ? code - 22 : code - 65 < 26 ? code - 65 : code - 97 < 26 ? code - 97 : BASE;
      if (digit >= BASE) throw new RangeError('not a Punycode digit');
      i += digit * w;
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (digit < t) break;
      w *= BASE - t;
    }
    bias = adapt(i - old, output.length + 1, old === 0);
    n += Math.floor(i / (output.length + 1));
    i %= output.length + 1;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

/** `links.xn--bcher-kva.example` → `links.bücher.example`; ASCII labels stay as they are. */
export function toUnicode(domain: string): string {
  return domain
    .split('.')
    .map((label) => (/^xn--/i.test(label) ? decodeLabel(label.slice(4).toLowerCase()) : label))
    .join('.');
}
