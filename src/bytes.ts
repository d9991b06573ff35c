const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  p: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
  ki: 2 ** 10,
  mi: 2 ** 20,
  gi: 2 ** 30,
  ti: 2 ** 40,
  pi: 2 ** 50,
};

const BYTES_RE = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)$/i;

/**
 * Parses a byte size such as "2GiB", "512MiB", "1.5e9", "300 MB" or "4Gi".
 * Decimal units (kB, MB, GB…) are powers of 1000, binary units (KiB, MiB, GiB…) powers of 1024.
 * Returns the whole number of bytes, or undefined if the text is not a valid size.
 */
export function parseBytes(text: string): number | undefined {
  const match = BYTES_RE.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const multiplier = UNITS[match[2].toLowerCase()];
  const value = Number(match[1]);
  if (multiplier === undefined || !Number.isFinite(value)) {
    return undefined;
  }
  const bytes = Math.round(value * multiplier);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Formats bytes with binary units, e.g. 2147483648 → "2GiB", 1500000000 → "1.4GiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = Math.round(value * 100) / 100;
  return `${rounded}${BINARY_UNITS[unit]}`;
}
