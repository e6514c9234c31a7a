import { describe, expect, it } from 'vitest';
import {
  applyEdit,
  checkNumber,
  detectBrand,
  displayPosition,
  luhnValid,
  maskedDisplay,
  submitCheck,
} from '../../src/cards/cardNumber';

describe('luhnValid', () => {
  it('accepts the test cards and refuses a changed digit', () => {
    for (const n of ['4242424242424242', '5555555555554444', '378282246310005', '6011111111111117', '4222222222222']) {
      expect(luhnValid(n), n).toBe(true);
    }
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4242 4242')).toBe(false);
  });
});

describe('detectBrand', () => {
  it('recognises the networks from the leading digits, like the domain crate', () => {
    expect(detectBrand('4')).toBe('visa');
    expect(detectBrand('5105')).toBe('mastercard');
    expect(detectBrand('2221')).toBe('mastercard');
    expect(detectBrand('2720')).toBe('mastercard');
    expect(detectBrand('2721')).toBe('unknown');
    expect(detectBrand('34')).toBe('amex');
    expect(detectBrand('37')).toBe('amex');
    expect(detectBrand('6011')).toBe('discover');
    expect(detectBrand('644')).toBe('discover');
    expect(detectBrand('65')).toBe('discover');
    expect(detectBrand('62')).toBe('union_pay');
    expect(detectBrand('3530')).toBe('jcb');
    expect(detectBrand('36')).toBe('diners_club');
    expect(detectBrand('2201')).toBe('mir');
    expect(detectBrand('')).toBe('unknown');
    expect(detectBrand('3')).toBe('unknown');
  });
});

describe('checkNumber', () => {
  it('does not complain while typing, then says valid or mistyped', () => {
    expect(checkNumber('').state).toBe('empty');
    expect(checkNumber('424242').state).toBe('incomplete');
    expect(checkNumber('4242424242424242').state).toBe('valid');
    expect(checkNumber('4242424242424241').state).toBe('luhn');
    expect(checkNumber('378282246310005').state).toBe('valid');
    expect(checkNumber('378282246310006').state).toBe('luhn');
    expect(checkNumber('42424242424242424242').state).toBe('too_long');
  });

  it('names brands the platform does not take', () => {
    expect(checkNumber('3530111333300000')).toEqual({ state: 'unsupported', brand: 'jcb' });
  });

  it('on submit, a short or mistyped number is an error', () => {
    expect(submitCheck('424242').state).toBe('incomplete');
    expect(submitCheck('4242424242424').state).toBe('luhn');
    expect(submitCheck('4242424242424242').state).toBe('valid');
  });
});

describe('maskedDisplay', () => {
  it('masks all but the last four, grouped like the card', () => {
    expect(maskedDisplay('')).toBe('');
    expect(maskedDisplay('42')).toBe('42');
    expect(maskedDisplay('424242')).toBe('••42 42');
    expect(maskedDisplay('4242424242424242')).toBe('•••• •••• •••• 4242');
    expect(maskedDisplay('378282246310005')).toBe('•••• •••••• •0005');
    expect(maskedDisplay('4242424242424242424')).toBe('•••• •••• •••• •••2 424');
  });

  it('never shows more than four digits', () => {
    const shown = maskedDisplay('5555555555554444');
    expect(shown.replace(/\D/g, '')).toBe('4444');
  });
});

describe('applyEdit', () => {
  function type(keys: string): string {
    let digits = '';
    let shown = '';
    for (const key of keys) {
      const after = shown + key;
      digits = applyEdit(digits, shown, after, after.length).digits;
      shown = maskedDisplay(digits);
    }
    return digits;
  }

  it('collects typed digits and ignores other keys', () => {
    expect(type('4242 4242-4242x4242')).toBe('4242424242424242');
  });

  it('Backspace at the end removes the last digit, even across a group space', () => {
    const digits = '42424';
    const before = maskedDisplay(digits); // "•4242"
    expect(applyEdit(digits, before, before.slice(0, -1), before.length - 1).digits).toBe('4242');
    const five = '424242424';
    const shown = maskedDisplay(five); // "•••• •242 4"
    const afterSpace = shown.slice(0, -1); // removed "4": "•••• •242 "
    expect(applyEdit(five, shown, afterSpace, afterSpace.length).digits).toBe('42424242');
    const onlySpace = shown.slice(0, 9) + shown.slice(10); // removed the space before the last digit
    expect(applyEdit(five, shown, onlySpace, 9).digits).toBe('42424244');
  });

  it('a deletion or insertion in the middle changes the digit under the caret', () => {
    const digits = '4242424242424242';
    const shown = maskedDisplay(digits); // "•••• •••• •••• 4242"
    // Delete the first masked digit (caret after it, Backspace).
    const deleted = shown.slice(1);
    expect(applyEdit(digits, shown, deleted, 0).digits).toBe('242424242424242');
    // Insert a 9 at the very start.
    const inserted = '9' + shown;
    const edit = applyEdit(digits, shown, inserted, 1);
    expect(edit.digits).toBe('94242424242424242');
    expect(edit.caret).toBe(1);
  });

  it('replacing everything (select all, paste) takes the pasted digits', () => {
    const shown = maskedDisplay('1234');
    expect(applyEdit('1234', shown, '5555 5555 5555 4444', 19).digits).toBe('5555555555554444');
    expect(applyEdit('1234', shown, '', 0).digits).toBe('');
  });

  it('caps the number at 19 digits', () => {
    expect(type('1'.repeat(25))).toHaveLength(19);
  });
});

describe('displayPosition', () => {
  it('skips group spaces', () => {
    const shown = '•••• •••• •••• 4242';
    expect(displayPosition(shown, 0)).toBe(0);
    expect(displayPosition(shown, 4)).toBe(4);
    expect(displayPosition(shown, 5)).toBe(6);
    expect(displayPosition(shown, 16)).toBe(19);
  });
});
