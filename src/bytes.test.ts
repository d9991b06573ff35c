import { formatBytes, parseBytes } from './bytes';

describe('parseBytes', () => {
  it.each([
    ['2GiB', 2 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['1.5e9', 1.5e9],
    ['1024', 1024],
    ['300 MB', 300e6],
    ['4Gi', 4 * 1024 ** 3],
    ['1kb', 1000],
    ['0.5KiB', 512],
    ['  64 mib ', 64 * 1024 ** 2],
    ['0', 0],
    ['1TiB', 1024 ** 4],
  ])('parses %p', (text, expected) => {
    expect(parseBytes(text)).toBe(expected);
  });

  it.each(['', 'abc', '2XB', '-1GiB', '1..5GB', 'GiB', '1e400'])('rejects %p', (text) => {
    expect(parseBytes(text)).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(2 * 1024 ** 3)).toBe('2GiB');
    expect(formatBytes(512 * 1024 ** 2)).toBe('512MiB');
    expect(formatBytes(1000)).toBe('1000B');
    expect(formatBytes(1.5e9)).toBe('1.4GiB');
  });

  it('round-trips through parseBytes', () => {
    for (const bytes of [0, 1, 1024, 3 * 1024 ** 3, 768 * 1024 ** 2]) {
      expect(parseBytes(formatBytes(bytes))).toBe(bytes);
    }
  });
});
