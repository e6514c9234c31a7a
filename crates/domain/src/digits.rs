//! Decimal digits in any script: the values of Unicode's decimal digits (general category Nd),
//! such as full-width `４`, Arabic-Indic `٤`, Devanagari `४` or mathematical bold `𝟒`.
//!
//! Unicode encodes every set of decimal digits as ten consecutive code points in ascending
//! value, zero first, so the code point of each set's zero is all it takes to read them.
//! `char::to_digit` reads ASCII only, and `char::is_numeric` also takes numerals that are no
//! decimal digits (`²`, `½`, `Ⅻ`, `①`).

/// The zero of every set of decimal digits in Unicode 17, in code point order.
const ZEROS: [u32; 77] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x10D40, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x116D0, 0x116DA, 0x11730, 0x118E0, 0x11950, 0x11BF0, 0x11C50, 0x11D50,
    0x11DA0, 0x11DE0, 0x11F50, 0x16130, 0x16A60, 0x16AC0, 0x16B50, 0x16D70, 0x1CCF0, 0x1D7CE,
    0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E5F1, 0x1E950, 0x1FBF0,
];

/// The value of `c` if it is a decimal digit of any script.
pub(crate) fn decimal_digit(c: char) -> Option<u8> {
    if c.is_ascii() {
        return c.is_ascii_digit().then(|| c as u8 - b'0');
    }
    let code = u32::from(c);
    let sets_below = ZEROS.partition_point(|&zero| zero <= code);
    let zero = *ZEROS.get(sets_below.checked_sub(1)?)?;
    u8::try_from(code - zero).ok().filter(|&value| value < 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_digits_of_many_scripts() {
        for (text, expected) in [
            ("0123456789", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("０１２３４５６７８９", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("٠١٢٣٤٥٦٧٨٩", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("۰۱۲۳۴۵۶۷۸۹", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("०१२३४५६७८९", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ] {
            let values: Vec<u8> = text.chars().filter_map(decimal_digit).collect();
            assert_eq!(values, expected, "{text}");
        }
    }

    #[test]
    fn numerals_that_are_no_decimal_digits_are_none() {
        for c in [
            '²', '½', 'Ⅻ', '①', '〇', '一', 'a', '٫', '/', '\u{65F}', '\u{66A}', '\u{FF1A}',
        ] {
            assert_eq!(decimal_digit(c), None, "{c:?}");
        }
    }

    #[test]
    fn every_set_is_ten_numerals_in_order() {
        for pair in ZEROS.windows(2) {
            assert!(
                pair[0] + 10 <= pair[1],
                "{:#X} overlaps {:#X}",
                pair[0],
                pair[1]
            );
        }
        for zero in ZEROS {
            for value in 0..10u8 {
                let c = char::from_u32(zero + u32::from(value)).unwrap();
                assert!(c.is_numeric(), "{c:?}");
                assert_eq!(decimal_digit(c), Some(value), "{c:?}");
            }
        }
    }
}
