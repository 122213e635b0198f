//! Exact maths for tutoring and practice: answers parsed as rationals (never evaluated as
//! expressions) and questions generated deterministically.

mod questions;
mod rational;

pub use questions::{
    Family, MathsQuestion, Seed, family_for, generate, mentions_value, numbers_in,
};
pub use rational::{MAX_ANSWER_LEN, NotANumber, Rational};
