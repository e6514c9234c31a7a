import { describe, expect, it } from 'vitest';
import { dayShape, formatDay, parseDay } from '../../src/lib/dateField';

describe('days in the window language', () => {
  it('writes French days day first and English ones month first', () => {
    expect(formatDay('2026-12-03', 'fr')).toBe('03/12/2026');
    expect(formatDay('2026-12-03', 'en')).toBe('12/03/2026');
    expect(dayShape('fr').placeholder).toBe('jj/mm/aaaa');
    expect(dayShape('en').placeholder).toBe('mm/dd/yyyy');
  });

  it('reads what it writes, and forgiving separators', () => {
    expect(parseDay('03/12/2026', 'fr')).toBe('2026-12-03');
    expect(parseDay('3.12.2026', 'fr')).toBe('2026-12-03');
    expect(parseDay('12/03/2026', 'en')).toBe('2026-12-03');
  });

  it('refuses what names no real day', () => {
    expect(parseDay('31/02/2026', 'fr')).toBeNull();
    expect(parseDay('13/13/2026', 'en')).toBeNull();
    expect(parseDay('03/12/26', 'fr')).toBeNull();
    expect(parseDay('2026-12-03', 'fr')).toBeNull();
    expect(parseDay('', 'fr')).toBeNull();
    expect(formatDay('not a day', 'fr')).toBe('');
  });
});
