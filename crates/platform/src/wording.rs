//! How the platform words numbers in its texts, per language: percentages, amounts and the fee
//! sentence of the directory (`€0.10 per receipt`, `0,10 € par reçu`).

use consentry_domain::{FeeModel, Money, Scope};

use crate::language::Lang;

/// A narrow no-break space: French puts one before `%` and a currency symbol, and between
/// groups of thousands.
pub const NNBSP: char = '\u{202F}';

/// What the platform earns on a purchase, in a sentence in `lang` (`€0.10 per receipt`,
/// `0,10 € par reçu`).
pub fn fee_description(fee: &FeeModel, lang: Lang) -> String {
    match lang {
        Lang::En => fee.describe(),
        Lang::Fr => match fee {
            FeeModel::Percent { bps } => format!("{}{NNBSP}% de chaque achat", percent(*bps, lang)),
            FeeModel::PerEvent { amount, per } => {
                let noun = match per {
                    Scope::Receipts => "reçu",
                    Scope::Points => "attribution de points",
                    Scope::Cashback => "versement de cashback",
                    Scope::Offers => "offre",
                    Scope::Recommendations => "recommandation",
                    Scope::SocialPosts => "publication",
                };
                format!("{} par {noun}", money(amount, lang))
            }
            FeeModel::None => "Gratuit".to_owned(),
        },
    }
}

/// Basis points as a percentage without trailing zeros, with the language's decimal mark
/// (150 → `1.5` or `1,5`).
pub fn percent(bps: u32, lang: Lang) -> String {
    let (whole, hundredths) = (bps / 100, bps % 100);
    let mut text = whole.to_string();
    if hundredths != 0 {
        text.push(decimal_mark(lang));
        text.push_str(format!("{hundredths:02}").trim_end_matches('0'));
    }
    text
}

fn decimal_mark(lang: Lang) -> char {
    match lang {
        Lang::En => '.',
        Lang::Fr => ',',
    }
}

/// An amount as a reader of `lang` writes it: `€1,234.50`; `1 234,50 €` (narrow no-break
/// spaces), a currency without a symbol by its code.
pub fn money(amount: &Money, lang: Lang) -> String {
    match lang {
        Lang::En => amount.to_string(),
        Lang::Fr => {
            let major = amount.major_string();
            let (sign, magnitude) = match major.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", major.as_str()),
            };
            let (whole, fraction) = magnitude.split_once('.').unwrap_or((magnitude, ""));
            let mut grouped = String::new();
            for (i, digit) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(NNBSP);
                }
                grouped.push(digit);
            }
            if !fraction.is_empty() {
                grouped.push(',');
                grouped.push_str(fraction);
            }
            let unit = match amount.currency.code() {
                "EUR" => "€",
                code => code,
            };
            format!("{sign}{grouped}{NNBSP}{unit}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_amounts_and_fees_read_as_french() {
        use consentry_domain::Currency;
        let eur = |minor| Money::new(minor, Currency::EUR);
        assert_eq!(money(&eur(10), Lang::Fr), "0,10\u{202F}€");
        assert_eq!(
            money(&eur(12_345_678), Lang::Fr),
            "123\u{202F}456,78\u{202F}€"
        );
        assert_eq!(money(&eur(-450), Lang::Fr), "-4,50\u{202F}€");
        assert_eq!(
            money(&Money::new(5, Currency::USD), Lang::Fr),
            "0,05\u{202F}USD"
        );
        assert_eq!(
            money(&Money::new(1200, Currency::JPY), Lang::Fr),
            "1\u{202F}200\u{202F}JPY"
        );
        assert_eq!(money(&eur(10), Lang::En), "€0.10");
        assert_eq!(percent(150, Lang::Fr), "1,5");
        assert_eq!(percent(5, Lang::En), "0.05");
        assert_eq!(percent(200, Lang::Fr), "2");
        let per_receipt = FeeModel::PerEvent {
            amount: eur(10),
            per: Scope::Receipts,
        };
        assert_eq!(
            fee_description(&per_receipt, Lang::Fr),
            "0,10\u{202F}€ par reçu"
        );
        assert_eq!(fee_description(&per_receipt, Lang::En), "€0.10 per receipt");
        assert_eq!(
            fee_description(&FeeModel::Percent { bps: 150 }, Lang::Fr),
            "1,5\u{202F}% de chaque achat"
        );
        assert_eq!(fee_description(&FeeModel::None, Lang::Fr), "Gratuit");
    }
}
