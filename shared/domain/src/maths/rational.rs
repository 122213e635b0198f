//! Exact rational numbers and a strict parser for answers.
//!
//! Accepted forms: integers (`-12`), decimals (`0.75`, `.5`), fractions (`3/4`, `-6/8`),
//! mixed numbers (`1 1/2`) and percentages (`50%`). Nothing else: answers are never evaluated as
//! expressions or code, so there is nothing to inject.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest answer text the parser looks at.
pub const MAX_ANSWER_LEN: usize = 32;

/// A reduced fraction with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rational {
    num: i64,
    den: i64,
}

/// Why an answer is not a number we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "write a whole number (12), a decimal (0.75), a fraction (3/4), a mixed number (1 1/2) or a percentage (50%)"
)]
pub struct NotANumber;

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    /// `num/den` reduced; `None` for a zero denominator or a value outside i64.
    pub fn new(num: i64, den: i64) -> Option<Rational> {
        Rational::from_wide(num as i128, den as i128)
    }

    fn from_wide(num: i128, den: i128) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let sign = if den < 0 { -1 } else { 1 };
        let divisor = gcd(num, den).max(1);
        let num = i64::try_from(sign * num / divisor).ok()?;
        let den = i64::try_from(sign * den / divisor).ok()?;
        Some(Rational { num, den })
    }

    pub fn integer(value: i64) -> Rational {
        Rational { num: value, den: 1 }
    }

    pub fn numerator(self) -> i64 {
        self.num
    }

    pub fn denominator(self) -> i64 {
        self.den
    }

    pub fn is_integer(self) -> bool {
        self.den == 1
    }

    pub fn checked_add(self, other: Rational) -> Option<Rational> {
        Rational::from_wide(
            self.num as i128 * other.den as i128 + other.num as i128 * self.den as i128,
            self.den as i128 * other.den as i128,
        )
    }

    pub fn checked_sub(self, other: Rational) -> Option<Rational> {
        self.checked_add(Rational {
            num: -other.num,
            den: other.den,
        })
    }

    pub fn checked_mul(self, other: Rational) -> Option<Rational> {
        Rational::from_wide(
            self.num as i128 * other.num as i128,
            self.den as i128 * other.den as i128,
        )
    }

    pub fn checked_div(self, other: Rational) -> Option<Rational> {
        Rational::from_wide(
            self.num as i128 * other.den as i128,
            self.den as i128 * other.num as i128,
        )
    }

    /// The value as a float (for tolerances and display only, never for equality).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Decimal text when the value terminates within 6 places (`0.25`), else `None`.
    pub fn to_decimal(self) -> Option<String> {
        let mut scaled = self;
        for places in 0..=6u32 {
            if scaled.is_integer() {
                if places == 0 {
                    return Some(self.num.to_string());
                }
                let digits = scaled.num.unsigned_abs().to_string();
                let width = places as usize + 1;
                let padded = format!("{digits:0>width$}");
                let (whole, fraction) = padded.split_at(padded.len() - places as usize);
                let sign = if self.num < 0 { "-" } else { "" };
                return Some(format!("{sign}{whole}.{fraction}"));
            }
            scaled = scaled.checked_mul(Rational::integer(10))?;
        }
        None
    }

    /// Parse an answer; see the module docs for the accepted forms.
    ///
    /// # Errors
    /// [`NotANumber`] for anything else, including expressions like `1+1`.
    pub fn parse(raw: &str) -> Result<Rational, NotANumber> {
        let text = raw.trim();
        if text.is_empty() || text.len() > MAX_ANSWER_LEN {
            return Err(NotANumber);
        }
        if let Some(percent) = text.strip_suffix('%') {
            let value = Rational::parse_plain(percent.trim()).ok_or(NotANumber)?;
            return value.checked_div(Rational::integer(100)).ok_or(NotANumber);
        }
        if let Some((whole, fraction)) = text.split_once(' ') {
            let whole = Rational::parse_integer(whole).ok_or(NotANumber)?;
            let fraction = Rational::parse_fraction(fraction.trim()).ok_or(NotANumber)?;
            if fraction.num < 0 || fraction.num >= fraction.den {
                return Err(NotANumber);
            }
            let magnitude = Rational::integer(whole.num.abs())
                .checked_add(fraction)
                .ok_or(NotANumber)?;
            let negative = whole.num < 0 || text.starts_with('-');
            return Ok(if negative {
                Rational {
                    num: -magnitude.num,
                    den: magnitude.den,
                }
            } else {
                magnitude
            });
        }
        Rational::parse_plain(text).ok_or(NotANumber)
    }

    fn parse_plain(text: &str) -> Option<Rational> {
        if text.contains('/') {
            Rational::parse_fraction(text)
        } else if text.contains('.') {
            Rational::parse_decimal(text)
        } else {
            Rational::parse_integer(text)
        }
    }

    fn parse_integer(text: &str) -> Option<Rational> {
        let digits = text
            .strip_prefix('-')
            .or_else(|| text.strip_prefix('+'))
            .unwrap_or(text);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<i64>().ok().map(Rational::integer)
    }

    fn parse_fraction(text: &str) -> Option<Rational> {
        let (top, bottom) = text.split_once('/')?;
        let top = Rational::parse_integer(top.trim())?;
        let bottom = Rational::parse_integer(bottom.trim())?;
        if bottom.num <= 0 {
            return None;
        }
        Rational::new(top.num, bottom.num)
    }

    fn parse_decimal(text: &str) -> Option<Rational> {
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches(['-', '+']);
        let (whole, fraction) = unsigned.split_once('.')?;
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole)
            || !all_digits(fraction)
            || (whole.is_empty() && fraction.is_empty())
            || fraction.len() > 9
        {
            return None;
        }
        let whole = if whole.is_empty() {
            0
        } else {
            whole.parse::<i64>().ok()?
        };
        let scale = 10i64.pow(fraction.len() as u32);
        let fraction = if fraction.is_empty() {
            0
        } else {
            fraction.parse::<i64>().ok()?
        };
        let value = Rational::new(whole.checked_mul(scale)?.checked_add(fraction)?, scale)?;
        Some(if negative {
            Rational {
                num: -value.num,
                den: value.den,
            }
        } else {
            value
        })
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num as i128 * other.den as i128).cmp(&(other.num as i128 * self.den as i128))
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl TryFrom<String> for Rational {
    type Error = NotANumber;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Rational::parse(&raw)
    }
}

impl From<Rational> for String {
    fn from(value: Rational) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Rational {
        Rational::parse(text).unwrap_or_else(|_| panic!("{text} should parse"))
    }

    #[test]
    fn every_accepted_form_parses_to_the_same_exact_value() {
        for same in [
            ["1/2", "0.5", "2/4", "50%"],
            ["3/2", "1 1/2", "1.5", "150%"],
            ["-3/4", "-0.75", "-6/8", "-75%"],
        ] {
            for text in same {
                assert_eq!(r(text), r(same[0]), "{text}");
            }
        }
        assert_eq!(r(" 12 "), Rational::integer(12));
        assert_eq!(r(".25"), Rational::new(1, 4).expect("quarter"));
        assert_eq!(r("-1 1/4"), Rational::new(-5, 4).expect("value"));
    }

    #[test]
    fn expressions_code_and_junk_are_not_numbers() {
        for text in [
            "1+1",
            "2*3",
            "__import__('os')",
            "1/0",
            "3/-4",
            "1 5/4",
            "",
            "1e3",
            "0x10",
            "½",
            "1..2",
            "7 apples",
            &"9".repeat(40),
        ] {
            assert_eq!(Rational::parse(text), Err(NotANumber), "{text:?}");
        }
    }

    #[test]
    fn decimals_render_when_they_terminate() {
        assert_eq!(r("1/4").to_decimal().as_deref(), Some("0.25"));
        assert_eq!(r("-7/20").to_decimal().as_deref(), Some("-0.35"));
        assert_eq!(r("1/3").to_decimal(), None);
        assert_eq!(r("12").to_decimal().as_deref(), Some("12"));
    }
}
