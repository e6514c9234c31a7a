//! Digital receipts issued by apps, and the arithmetic that must hold on them.

use serde::{Deserialize, Serialize};

use crate::{Currency, Money, MoneyError};

/// One line of a receipt: `total = unit_price × quantity + tax`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub quantity: u32,
    pub description: String,
    pub unit_price: Money,
    pub tax: Money,
    pub total: Money,
}

/// An itemised receipt for one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub transaction_id: String,
    pub merchant: String,
    pub lines: Vec<ReceiptLine>,
    /// Sum of the line totals, tax included.
    pub total: Money,
}

/// Why a receipt does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("the receipt has no lines")]
    NoLines,
    #[error("line {line}: quantity must be at least 1")]
    ZeroQuantity { line: usize },
    #[error("line {line} is in {found}, the receipt in {expected}")]
    Currency {
        line: usize,
        expected: Currency,
        found: Currency,
    },
    #[error("line {line}: quantity × unit price + tax is {computed}, not {stated}")]
    LineTotal {
        line: usize,
        computed: Money,
        stated: Money,
    },
    #[error("the lines add up to {computed}, the receipt says {stated}")]
    Total { computed: Money, stated: Money },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl Receipt {
    /// Checks that every line and the total add up, all in one currency.
    /// Lines are numbered from 1 in errors, as a person would count them.
    pub fn validate(&self) -> Result<(), ReceiptError> {
        if self.lines.is_empty() {
            return Err(ReceiptError::NoLines);
        }
        let currency = self.total.currency;
        for (index, line) in self.lines.iter().enumerate() {
            let number = index + 1;
            if line.quantity == 0 {
                return Err(ReceiptError::ZeroQuantity { line: number });
            }
            for money in [line.unit_price, line.tax, line.total] {
                if money.currency != currency {
                    return Err(ReceiptError::Currency {
                        line: number,
                        expected: currency,
                        found: money.currency,
                    });
                }
            }
            let computed = line
                .unit_price
                .checked_mul(i64::from(line.quantity))?
                .checked_add(&line.tax)?;
            if computed != line.total {
                return Err(ReceiptError::LineTotal {
                    line: number,
                    computed,
                    stated: line.total,
                });
            }
        }
        let computed = Money::sum(currency, self.lines.iter().map(|line| &line.total))?;
        if computed != self.total {
            return Err(ReceiptError::Total {
                computed,
                stated: self.total,
            });
        }
        Ok(())
    }

    /// Tax over all lines.
    pub fn total_tax(&self) -> Result<Money, MoneyError> {
        Money::sum(self.total.currency, self.lines.iter().map(|line| &line.tax))
    }
}
