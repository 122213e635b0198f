//! Maths questions generated deterministically from a seed, graded exactly, with a three-rung
//! hint ladder that never states the answer: a conceptual nudge (no numbers at all), a targeted
//! hint naming the error, and a worked example of a similar problem whose numbers all differ
//! from the answer.

use serde::{Deserialize, Serialize};

use super::rational::{NotANumber, Rational};

/// A small deterministic generator (SplitMix64), so a seed always gives the same question.
#[derive(Debug, Clone)]
pub struct Seed(u64);

impl Seed {
    pub fn new(seed: u64) -> Seed {
        Seed(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low + 1).max(1) as u64;
        low + (self.next_u64() % span) as i64
    }

    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[(self.next_u64() % options.len() as u64) as usize]
    }
}

/// Kinds of maths question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Addition,
    Subtraction,
    Multiplication,
    TimesTenHundred,
    FractionOfQuantity,
    EquivalentFraction,
    CompareUnitFractions,
    FractionToDecimal,
    Rounding,
    DecimalArithmetic,
    Percentage,
    OrderOfOperations,
    LinearEquation,
    Powers,
}

impl Family {
    pub const ALL: [Family; 14] = [
        Family::Addition,
        Family::Subtraction,
        Family::Multiplication,
        Family::TimesTenHundred,
        Family::FractionOfQuantity,
        Family::EquivalentFraction,
        Family::CompareUnitFractions,
        Family::FractionToDecimal,
        Family::Rounding,
        Family::DecimalArithmetic,
        Family::Percentage,
        Family::OrderOfOperations,
        Family::LinearEquation,
        Family::Powers,
    ];

    /// The families that suit a practice difficulty label (1–10).
    /// The practice topic this family's questions belong to.
    pub fn topic(self) -> &'static str {
        match self {
            Family::Addition | Family::Subtraction => "Number",
            Family::Multiplication | Family::TimesTenHundred => "Multiplication",
            Family::FractionOfQuantity
            | Family::EquivalentFraction
            | Family::CompareUnitFractions => "Fractions",
            Family::FractionToDecimal | Family::Rounding | Family::DecimalArithmetic => "Decimals",
            Family::Percentage => "Percentages",
            Family::OrderOfOperations | Family::Powers => "Order of operations",
            Family::LinearEquation => "Equations",
        }
    }

    /// The families to generate from at `difficulty` on `topic` (any topic when `None`): those
    /// suited to the difficulty, else every family of the topic (their numbers scale with the
    /// difficulty). Empty when no family teaches the topic.
    pub fn for_practice(difficulty: u8, topic: Option<&str>) -> Vec<Family> {
        let on_topic =
            |family: &Family| topic.is_none_or(|t| family.topic().eq_ignore_ascii_case(t.trim()));
        let suited: Vec<Family> = Family::at_difficulty(difficulty)
            .iter()
            .copied()
            .filter(on_topic)
            .collect();
        if suited.is_empty() {
            Family::ALL.iter().copied().filter(on_topic).collect()
        } else {
            suited
        }
    }

    pub fn at_difficulty(difficulty: u8) -> &'static [Family] {
        match difficulty.clamp(1, 10) {
            1 | 2 => &[
                Family::Addition,
                Family::Subtraction,
                Family::Multiplication,
            ],
            3 | 4 => &[
                Family::TimesTenHundred,
                Family::FractionOfQuantity,
                Family::CompareUnitFractions,
                Family::FractionToDecimal,
            ],
            5 | 6 => &[
                Family::EquivalentFraction,
                Family::Rounding,
                Family::DecimalArithmetic,
                Family::Percentage,
                Family::Subtraction,
            ],
            7 | 8 => &[
                Family::OrderOfOperations,
                Family::Percentage,
                Family::LinearEquation,
            ],
            _ => &[
                Family::LinearEquation,
                Family::Powers,
                Family::OrderOfOperations,
            ],
        }
    }
}

/// A generated question; `answer` stays on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MathsQuestion {
    pub family: Family,
    pub difficulty: u8,
    pub operands: Vec<i64>,
    pub prompt: String,
    pub answer: Rational,
    pub answer_form: String,
    /// Accept answers within this distance of the exact answer. `None` (every generated
    /// question): only the exact value, in any equivalent form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Rational>,
}

fn rational(num: i64, den: i64) -> Rational {
    Rational::new(num, den).unwrap_or(Rational::integer(0))
}

/// Generate a question of `family` at `difficulty` (clamped to 1..=10) from `seed`.
pub fn generate(family: Family, difficulty: u8, seed: u64) -> MathsQuestion {
    let d = i64::from(difficulty.clamp(1, 10));
    let mut s = Seed::new(seed ^ (family as u64) << 56 ^ d as u64);
    let whole = "a whole number".to_string();
    let (operands, prompt, answer, form) = match family {
        Family::Addition => {
            let (a, b) = (s.range(2, 8 * d + 2), s.range(2, 8 * d + 2));
            (
                vec![a, b],
                format!("What is {a} + {b}?"),
                Rational::integer(a + b),
                whole,
            )
        }
        Family::Subtraction => {
            let (a, b) = (s.range(2, 8 * d + 4), s.range(2, 8 * d + 4));
            // Negative results only from difficulty 6.
            let (a, b) = if d < 6 && a < b { (b, a) } else { (a, b) };
            let (a, b) = if a == b { (a + 1, b) } else { (a, b) };
            (
                vec![a, b],
                format!("What is {a} − {b}?"),
                Rational::integer(a - b),
                "a whole number (it may be negative)".into(),
            )
        }
        Family::Multiplication => {
            let (a, b) = (s.range(2, 2 + d), s.range(2, 10));
            (
                vec![a, b],
                format!("What is {a} × {b}?"),
                Rational::integer(a * b),
                whole,
            )
        }
        Family::TimesTenHundred => {
            let (n, m) = (s.range(2, 9 * d + 3), s.pick(&[10, 100]));
            (
                vec![n, m],
                format!("What is {n} × {m}?"),
                Rational::integer(n * m),
                whole,
            )
        }
        Family::FractionOfQuantity => {
            let k = if d <= 3 {
                s.pick(&[2, 3, 4])
            } else {
                s.range(2, 10)
            };
            let n = if d >= 5 { s.range(1, k - 1) } else { 1 };
            let q = s.range(2, 3 + d);
            let quantity = k * q;
            (
                vec![n, k, quantity],
                format!("What is {n}/{k} of {quantity}?"),
                Rational::integer(n * q),
                whole,
            )
        }
        Family::EquivalentFraction => {
            let b = s.range(2, 3 + d);
            let a = s.range(1, b - 1);
            let m = s.range(2, 2 + d / 2);
            (
                vec![a, b, m],
                format!(
                    "Fill the gap: {a}/{b} = ?/{}. What is the missing top number?",
                    b * m
                ),
                Rational::integer(a * m),
                whole,
            )
        }
        Family::CompareUnitFractions => {
            let a = s.range(2, 4 + d);
            let mut b = s.range(2, 4 + d);
            if a == b {
                b = a + 1;
            }
            (
                vec![a, b],
                format!("Which is larger: 1/{a} or 1/{b}? Answer with the fraction."),
                rational(1, a.min(b)),
                "a fraction, written top/bottom".into(),
            )
        }
        Family::FractionToDecimal => {
            let den = if d <= 4 { 10 } else { 100 };
            let n = s.range(1, den - 1);
            let n = if n % 10 == 0 { n + 1 } else { n };
            (
                vec![n, den],
                format!("Write {n}/{den} as a decimal."),
                rational(n, den),
                "a decimal, with a decimal point".into(),
            )
        }
        Family::Rounding => {
            let places = if d <= 5 { 1 } else { 2 };
            let scale = 10i64.pow(places);
            let whole_part = s.range(1, 10 * d);
            let mut fraction = s.range(1, scale - 1);
            if fraction % 10 == 0 {
                fraction += 1;
            }
            let value = rational(whole_part * scale + fraction, scale);
            let rounded = if fraction * 2 >= scale {
                whole_part + 1
            } else {
                whole_part
            };
            let shown = value.to_decimal().unwrap_or_else(|| value.to_string());
            (
                vec![whole_part, fraction, scale],
                format!("Round {shown} to the nearest whole number."),
                Rational::integer(rounded),
                whole,
            )
        }
        Family::DecimalArithmetic => {
            let (a, b) = (s.range(1, 20 * d), s.range(1, 20 * d));
            let (x, y) = (rational(a, 10), rational(b, 100));
            let show = |r: Rational| r.to_decimal().unwrap_or_else(|| r.to_string());
            let answer = x.checked_add(y).unwrap_or(x);
            (
                vec![a, b],
                format!("What is {} + {}?", show(x), show(y)),
                answer,
                "a decimal, with a decimal point".into(),
            )
        }
        Family::Percentage => {
            let percent = s.pick(&[10, 20, 25, 50, 75, 5, 15, 30, 40, 60]);
            let base = 20 * s.range(1, 2 + d);
            let answer = rational(percent * base, 100);
            (
                vec![percent, base],
                format!("What is {percent}% of {base}?"),
                answer,
                "a number".into(),
            )
        }
        Family::OrderOfOperations => {
            let (a, b, c) = (s.range(2, 5 + d), s.range(2, 9), s.range(2, 9));
            if d >= 9 {
                (
                    vec![a, b, c, 1],
                    format!("What is ({a} + {b}) × {c}?"),
                    Rational::integer((a + b) * c),
                    whole,
                )
            } else {
                (
                    vec![a, b, c, 0],
                    format!("What is {a} + {b} × {c}?"),
                    Rational::integer(a + b * c),
                    whole,
                )
            }
        }
        Family::LinearEquation => {
            let a = s.range(2, 2 + d / 2);
            let x = s.range(if d >= 9 { -9 } else { 1 }, 9 + d);
            let x = if x == 0 { 1 } else { x };
            let b = s.range(1, 10 + d);
            let c = a * x + b;
            (
                vec![a, b, c],
                format!("Solve {a}x + {b} = {c}. What is x?"),
                Rational::integer(x),
                "a whole number (it may be negative)".into(),
            )
        }
        Family::Powers => {
            let base = s.range(2, 3 + d / 2);
            let exponent = if d >= 10 { 3 } else { s.pick(&[2, 2, 3]) };
            let power = if exponent == 2 { "squared" } else { "cubed" };
            (
                vec![base, exponent],
                format!("What is {base} {power}?"),
                Rational::integer(base.pow(exponent as u32)),
                whole,
            )
        }
    };
    MathsQuestion {
        family,
        difficulty: d as u8,
        operands,
        prompt,
        answer,
        answer_form: form,
        tolerance: None,
    }
}

/// Every number written in `text`, parsed exactly (`"0.5"`, `"1/2"`, `"12"`, `"50%"`).
pub fn numbers_in(text: &str) -> Vec<Rational> {
    text.split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '/' | '%' | '-')))
        .map(|token| token.trim_matches('.').trim_end_matches('-'))
        .filter(|token| token.chars().any(|c| c.is_ascii_digit()))
        .filter_map(|token| Rational::parse(token).ok())
        .collect()
}

/// True when `text` writes `value` in any accepted form.
pub fn mentions_value(text: &str, value: Rational) -> bool {
    numbers_in(text).contains(&value)
}

impl MathsQuestion {
    /// Exact grading: equal values in any accepted form are correct (2/4 = 0.5 = 50%).
    ///
    /// # Errors
    /// [`NotANumber`] when the reply is not a number in an accepted form.
    pub fn is_correct(&self, reply: &str) -> Result<bool, NotANumber> {
        let value = Rational::parse(reply)?;
        Ok(match self.tolerance {
            None => value == self.answer,
            Some(tolerance) => value.checked_sub(self.answer).is_some_and(|gap| {
                gap <= tolerance
                    && Rational::integer(0)
                        .checked_sub(gap)
                        .is_some_and(|neg| neg <= tolerance)
            }),
        })
    }

    /// Rung 1: a conceptual nudge. Contains no numbers at all.
    pub fn nudge(&self) -> String {
        match self.family {
            Family::Addition => "Adding joins two amounts: start from the bigger one and count on by the smaller one.",
            Family::Subtraction => "Subtracting finds the difference: how far is it from the second number to the first? If the second is bigger, the answer is below zero.",
            Family::Multiplication => "Multiplying counts equal groups: how many groups are there, and how many are in each group?",
            Family::TimesTenHundred => "Multiplying by ten makes every digit worth ten times as much: each digit moves one place to the left. By a hundred, two places.",
            Family::FractionOfQuantity => "To find a fraction of an amount, share the amount into as many equal parts as the bottom number says, then take as many parts as the top number says.",
            Family::EquivalentFraction => "Equivalent fractions name the same amount. Whatever you multiply the bottom number by, multiply the top number by the same.",
            Family::CompareUnitFractions => "Think of one bar shared by more and more people: the more equal parts, the smaller each part.",
            Family::FractionToDecimal => "The first place after the decimal point is tenths and the second is hundredths.",
            Family::Rounding => "Rounding to the nearest whole number: look only at the tenths digit. Five or more rounds up; less than five rounds down.",
            Family::DecimalArithmetic => "Line the numbers up by their decimal points, filling empty places with zeros, then add column by column.",
            Family::Percentage => "Per cent means out of a hundred: find one per cent by dividing by a hundred, or use an easy fraction such as a half or a quarter.",
            Family::OrderOfOperations => "Brackets first, then multiplication and division, then addition and subtraction.",
            Family::LinearEquation => "Undo the steps in reverse order: first take away the number that was added, then divide by the number in front of x.",
            Family::Powers => "Squared means a number times itself; cubed means a number times itself, times itself again.",
        }
        .to_string()
    }

    /// The misconception a wrong `reply` shows, as (label, hint naming it), when it matches a
    /// known error pattern.
    pub fn misconception(&self, reply: &str) -> Option<(&'static str, &'static str)> {
        let value = Rational::parse(reply).ok()?;
        let op = |i: usize| self.operands.get(i).copied().unwrap_or(0);
        match self.family {
            Family::Multiplication if value == Rational::integer(op(0) + op(1)) => Some((
                "added instead of multiplying",
                "It looks like you added the two numbers. Multiplying means adding one number again and again, once for each group.",
            )),
            Family::TimesTenHundred if value == Rational::integer(op(0) + op(1)) => Some((
                "added instead of multiplying",
                "It looks like you added instead of multiplying: multiplying by ten or a hundred shifts the digits to the left.",
            )),
            Family::TimesTenHundred if op(1) == 100 && value == Rational::integer(op(0) * 10) => {
                Some((
                    "shifted one place for a hundred",
                    "You moved the digits one place, which is multiplying by ten. A hundred is ten tens: two places.",
                ))
            }
            Family::FractionOfQuantity if value == Rational::integer(op(2) * op(1)) => Some((
                "multiplied by the denominator",
                "You multiplied by the bottom number. The bottom number tells you how many equal parts to share into, so divide.",
            )),
            Family::EquivalentFraction
                if value == Rational::integer(op(0) + op(1) * op(2) - op(1)) =>
            {
                Some((
                    "additive equivalence",
                    "You added the same amount to the top as to the bottom. Equivalent fractions come from multiplying both by the same number.",
                ))
            }
            Family::CompareUnitFractions if value == rational(1, op(0).max(op(1))) => Some((
                "bigger denominator means bigger fraction",
                "You chose the fraction with the bigger bottom number, but more parts means smaller parts.",
            )),
            Family::FractionToDecimal if op(1) == 100 && value == rational(op(0), 10) => Some((
                "hundredths written as tenths",
                "You wrote it as tenths. These are hundredths, so the digits reach the second place after the point.",
            )),
            Family::Rounding if value == Rational::integer(op(0)) && self.answer != value => {
                Some((
                    "truncated instead of rounding",
                    "You cut the decimals off instead of rounding. Check the tenths digit: is it five or more?",
                ))
            }
            Family::OrderOfOperations
                if op(3) == 0 && value == Rational::integer((op(0) + op(1)) * op(2)) =>
            {
                Some((
                    "worked left to right ignoring precedence",
                    "You added first. Multiplication comes before addition unless there are brackets.",
                ))
            }
            Family::Powers if value == Rational::integer(op(0) * op(1)) => Some((
                "multiplied base by exponent",
                "You multiplied the number by the small raised number. A power multiplies the number by itself that many times.",
            )),
            Family::Percentage
                if value == Rational::integer(op(0))
                    || value == Rational::integer(op(1) - op(0)) =>
            {
                Some((
                    "treated percent as an amount",
                    "A percentage is a share of the whole, not an amount to take away or keep as it is.",
                ))
            }
            Family::LinearEquation if value == rational(op(2) - op(1), 1) => Some((
                "forgot to divide by the coefficient",
                "You undid the addition but not the multiplication: x is multiplied by the number in front of it.",
            )),
            _ => None,
        }
    }

    /// Rung 2: a hint that names the error in `reply`, without the answer.
    pub fn targeted_hint(&self, reply: &str) -> String {
        let Ok(value) = Rational::parse(reply) else {
            return format!(
                "I could not read that as a number. Give your answer as {}.",
                self.answer_form
            );
        };
        match self.misconception(reply) {
            Some((_, hint)) => hint.to_string(),
            // A right answer is never remediated; if it is, say nothing that repeats it.
            None if value == self.answer => self.nudge(),
            None if value > self.answer => format!("{reply} is too big. {}", self.nudge()),
            None => format!("{reply} is too small. {}", self.nudge()),
        }
    }

    /// Rung 3: a worked example of a similar problem. None of its numbers equals this answer.
    pub fn worked_example(&self, seed: u64) -> String {
        for attempt in 0..64u64 {
            let other = generate(
                self.family,
                self.difficulty,
                seed.wrapping_add(attempt.wrapping_mul(7919)) ^ 0x5EED,
            );
            if other.answer == self.answer {
                continue;
            }
            let text = format!(
                "Here is a similar one, worked through. {} {}",
                other.prompt,
                other.solution()
            );
            if !mentions_value(&text, self.answer) {
                return text;
            }
        }
        format!("Let's work through the method together. {}", self.nudge())
    }

    /// The worked solution of this question (used for worked examples of *other* questions).
    fn solution(&self) -> String {
        let op = |i: usize| self.operands.get(i).copied().unwrap_or(0);
        let answer = self.answer;
        match self.family {
            Family::Addition => format!(
                "Start at {} and count on {}: that gives {answer}.",
                op(0),
                op(1)
            ),
            Family::Subtraction => {
                format!("Take {} away from {}: that leaves {answer}.", op(1), op(0))
            }
            Family::Multiplication => {
                format!("That is {} groups of {}: {answer} in all.", op(0), op(1))
            }
            Family::TimesTenHundred => format!(
                "Each digit of {} moves left, and zeros fill the empty places: {answer}.",
                op(0)
            ),
            Family::FractionOfQuantity => format!(
                "Share {} into {} equal parts: each part is {}. Take {} part(s): {answer}.",
                op(2),
                op(1),
                op(2) / op(1).max(1),
                op(0)
            ),
            Family::EquivalentFraction => format!(
                "The bottom number was multiplied by {}, so multiply the top number {} by {} too: {answer}.",
                op(2),
                op(0),
                op(2)
            ),
            Family::CompareUnitFractions => {
                format!("{answer} has fewer, bigger parts, so {answer} is larger.")
            }
            Family::FractionToDecimal => format!(
                "{} {}ths is written {}.",
                op(0),
                if op(1) == 10 { "ten" } else { "hundred" },
                answer.to_decimal().unwrap_or_else(|| answer.to_string())
            ),
            Family::Rounding => {
                format!("The tenths digit decides whether to round up or down, giving {answer}.")
            }
            Family::DecimalArithmetic => format!(
                "Line up the decimal points and add each column: {}.",
                answer.to_decimal().unwrap_or_else(|| answer.to_string())
            ),
            Family::Percentage => format!(
                "One per cent of {} is {}/100; take {} of those: {answer}.",
                op(1),
                op(1),
                op(0)
            ),
            Family::OrderOfOperations if op(3) == 1 => format!(
                "Brackets first: {} + {}, then multiply by {}: {answer}.",
                op(0),
                op(1),
                op(2)
            ),
            Family::OrderOfOperations => format!(
                "Multiply first: {} × {}, then add {}: {answer}.",
                op(1),
                op(2),
                op(0)
            ),
            Family::LinearEquation => format!(
                "Take {} from both sides, then divide by {}: x = {answer}.",
                op(1),
                op(0)
            ),
            Family::Powers => format!(
                "Multiply {} by itself {} times in all: {answer}.",
                op(0),
                op(1)
            ),
        }
    }
}

/// The question family that practises a curriculum subtopic, or `None` for non-maths subjects.
pub fn family_for(subject: &str, topic: &str, subtopic: &str) -> Option<Family> {
    let subject = subject.to_lowercase();
    if !matches!(subject.as_str(), "mathematics" | "maths" | "math") {
        return None;
    }
    let text = format!("{topic} {subtopic}").to_lowercase();
    let has = |word: &str| text.contains(word);
    Some(if has("equivalent") {
        Family::EquivalentFraction
    } else if has("compar") && has("fraction") {
        Family::CompareUnitFractions
    } else if has("fraction") {
        Family::FractionOfQuantity
    } else if has("10 and 100") || has("by ten") || has("by 10") {
        Family::TimesTenHundred
    } else if has("multipl") || has("times") {
        Family::Multiplication
    } else if has("round") {
        Family::Rounding
    } else if has("decimal") || has("tenths") {
        Family::FractionToDecimal
    } else if has("subtract") || has("negative") {
        Family::Subtraction
    } else {
        Family::Addition
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practice_families_follow_the_topic_at_every_difficulty() {
        for label in 1..=10 {
            assert_eq!(
                Family::for_practice(label, None),
                Family::at_difficulty(label).to_vec()
            );
            for family in Family::ALL {
                let families = Family::for_practice(label, Some(&family.topic().to_uppercase()));
                assert!(!families.is_empty());
                assert!(families.iter().all(|f| f.topic() == family.topic()));
            }
            assert!(Family::for_practice(label, Some("Volcanoes")).is_empty());
        }
    }

    #[test]
    fn generation_is_deterministic_and_answers_are_exact() {
        for family in Family::ALL {
            for difficulty in 1..=10 {
                let a = generate(family, difficulty, 42);
                assert_eq!(a, generate(family, difficulty, 42));
                let reply = a
                    .answer
                    .to_decimal()
                    .unwrap_or_else(|| a.answer.to_string());
                assert_eq!(a.is_correct(&reply), Ok(true), "{a:?}");
                assert_eq!(a.is_correct(&a.answer.to_string()), Ok(true));
            }
        }
    }

    #[test]
    fn equivalent_forms_are_graded_correct_and_junk_is_not_a_number() {
        let q = generate(Family::FractionToDecimal, 2, 7);
        let fraction = format!("{}/{}", q.operands[0] * 2, q.operands[1] * 2);
        assert_eq!(q.is_correct(&fraction), Ok(true));
        assert_eq!(q.is_correct("the answer"), Err(NotANumber));
    }

    #[test]
    fn no_rung_of_the_hint_ladder_ever_states_the_answer() {
        for family in Family::ALL {
            for difficulty in 1..=10 {
                for seed in 0..40 {
                    let q = generate(family, difficulty, seed);
                    let wrong = q
                        .answer
                        .checked_add(Rational::integer(1))
                        .expect("wrong answer");
                    let rungs = [
                        q.nudge(),
                        q.targeted_hint(&wrong.to_string()),
                        q.targeted_hint("banana"),
                        q.worked_example(seed),
                    ];
                    for (rung, text) in rungs.iter().enumerate() {
                        assert!(
                            !mentions_value(text, q.answer),
                            "rung {rung} of {q:?} reveals the answer: {text}"
                        );
                    }
                    assert!(numbers_in(&q.nudge()).is_empty(), "nudges carry no numbers");
                    assert!(
                        numbers_in(&q.answer_form).is_empty(),
                        "answer forms carry no numbers"
                    );
                }
            }
        }
    }

    #[test]
    fn every_difficulty_has_families_and_tolerances_are_explicit() {
        for difficulty in 1..=10 {
            assert!(!Family::at_difficulty(difficulty).is_empty());
        }
        let mut q = generate(Family::DecimalArithmetic, 5, 3);
        let nearby = q
            .answer
            .checked_add(Rational::new(1, 1000).expect("r"))
            .expect("r");
        assert_eq!(
            q.is_correct(&nearby.to_decimal().expect("d")),
            Ok(false),
            "no tolerance unless the item says so"
        );
        q.tolerance = Rational::new(1, 100);
        assert_eq!(q.is_correct(&nearby.to_decimal().expect("d")), Ok(true));
        let far = q
            .answer
            .checked_add(Rational::new(1, 10).expect("r"))
            .expect("r");
        assert_eq!(q.is_correct(&far.to_decimal().expect("d")), Ok(false));
    }

    #[test]
    fn common_errors_are_named() {
        let q = generate(Family::Multiplication, 3, 1);
        let added = (q.operands[0] + q.operands[1]).to_string();
        assert!(q.targeted_hint(&added).contains("added"));
        let q = generate(Family::CompareUnitFractions, 3, 1);
        let wrong = format!("1/{}", q.operands[0].max(q.operands[1]));
        assert!(q.targeted_hint(&wrong).contains("bigger bottom number"));
    }
}
