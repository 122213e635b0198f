//! Review scheduling: every missed or shaky item gets a review date from the FSRS scheduler
//! (the `rs-fsrs` crate's long-term scheduler, no fuzz, so a date is a function of the answers),
//! and every later attempt at it moves that date. Practice serves due reviews before new items,
//! and the nudge job reminds a student whose reviews are due.

use chrono::{DateTime, Utc};
use rs_fsrs::{Card, FSRS, Parameters, Rating, State};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Review cards kept per student and subject (the ones due last are dropped beyond this).
pub const MAX_REVIEWS: usize = 50;
/// A correct answer whose result is below this was shaky: it is scheduled for review.
pub const SHAKY_BELOW: f64 = 0.85;
/// A correct answer whose result reaches this was easy.
pub const EASY_FROM: f64 = 0.95;
/// A card whose next interval reaches this many days is learnt: it leaves the review list.
pub const LEARNT_AFTER_DAYS: i64 = 90;

/// One item's review state (the FSRS card's fields, times in epoch milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCard {
    pub item: String,
    pub due_ms: i64,
    pub stability: f64,
    pub difficulty: f64,
    pub reps: i32,
    pub lapses: i32,
    pub last_review_ms: i64,
    pub scheduled_days: i64,
    /// 0 new, 1 learning, 2 review, 3 relearning.
    pub state: u8,
}

/// Cards stored packed in one binary attribute (use with `#[serde(serialize_with = "packed",
/// deserialize_with = "cards")]`). A rating holds up to [`MAX_REVIEWS`] cards and is read on
/// every practised item and written on most; as rows of nine attributes, decoding its 400-odd
/// numbers (each a decimal string in DynamoDB's model) was a tenth of the gateway's CPU under
/// load (docs/measurements.md). The packed form is a version byte, then per card the item (a
/// LEB128 length and UTF-8 bytes) and the other eight fields little-endian in declaration order
/// (i64, f64, f64, i32, i32, i64, i64, u8).
pub fn packed<S: Serializer>(cards: &[ReviewCard], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(&pack(cards))
}

const PACKED_VERSION: u8 = 1;
/// The eight fixed-size fields after a card's item.
const PACKED_FIELDS: usize = 8 + 8 + 8 + 4 + 4 + 8 + 8 + 1;

/// The packed form of `cards` (see [`packed`]).
pub fn pack(cards: &[ReviewCard]) -> Vec<u8> {
    let size: usize = cards
        .iter()
        .map(|card| card.item.len() + 2 + PACKED_FIELDS)
        .sum();
    let mut out = Vec::with_capacity(1 + size);
    out.push(PACKED_VERSION);
    for card in cards {
        let mut n = card.item.len();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(card.item.as_bytes());
        out.extend_from_slice(&card.due_ms.to_le_bytes());
        out.extend_from_slice(&card.stability.to_le_bytes());
        out.extend_from_slice(&card.difficulty.to_le_bytes());
        out.extend_from_slice(&card.reps.to_le_bytes());
        out.extend_from_slice(&card.lapses.to_le_bytes());
        out.extend_from_slice(&card.last_review_ms.to_le_bytes());
        out.extend_from_slice(&card.scheduled_days.to_le_bytes());
        out.push(card.state);
    }
    out
}

/// Packed cards that do not decode (a damaged or foreign attribute).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the packed review cards are damaged")]
pub struct Damaged;

/// Read cards written by [`pack`].
pub fn unpack(mut bytes: &[u8]) -> Result<Vec<ReviewCard>, Damaged> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], Damaged> {
        let (head, rest) = bytes.split_at_checked(n).ok_or(Damaged)?;
        *bytes = rest;
        Ok(head)
    }
    fn array<const N: usize>(bytes: &mut &[u8]) -> Result<[u8; N], Damaged> {
        take(bytes, N)?.try_into().map_err(|_| Damaged)
    }
    if take(&mut bytes, 1)? != [PACKED_VERSION] {
        return Err(Damaged);
    }
    let mut cards = Vec::with_capacity(bytes.len() / (PACKED_FIELDS + 8));
    while !bytes.is_empty() {
        let mut len = 0usize;
        for shift in (0..=28).step_by(7) {
            let [byte] = array::<1>(&mut bytes)?;
            len |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            if shift == 28 {
                return Err(Damaged);
            }
        }
        let item = std::str::from_utf8(take(&mut bytes, len)?).map_err(|_| Damaged)?;
        cards.push(ReviewCard {
            item: item.to_string(),
            due_ms: i64::from_le_bytes(array(&mut bytes)?),
            stability: f64::from_le_bytes(array(&mut bytes)?),
            difficulty: f64::from_le_bytes(array(&mut bytes)?),
            reps: i32::from_le_bytes(array(&mut bytes)?),
            lapses: i32::from_le_bytes(array(&mut bytes)?),
            last_review_ms: i64::from_le_bytes(array(&mut bytes)?),
            scheduled_days: i64::from_le_bytes(array(&mut bytes)?),
            state: u8::from_le_bytes(array(&mut bytes)?),
        });
    }
    Ok(cards)
}

/// Read review cards in any form they were stored in: packed (see [`packed`]), or a list of
/// rows (`[item, due_ms, stability, difficulty, reps, lapses, last_review_ms, scheduled_days,
/// state]`) or of maps, as earlier builds wrote them.
pub fn cards<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ReviewCard>, D::Error> {
    struct Cards;
    impl<'de> Visitor<'de> for Cards {
        type Value = Vec<ReviewCard>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("packed review cards or a list of cards")
        }

        fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
            unpack(bytes).map_err(E::custom)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut cards = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_REVIEWS));
            while let Some(card) = seq.next_element()? {
                cards.push(card);
            }
            Ok(cards)
        }
    }
    deserializer.deserialize_any(Cards)
}

/// How an attempt went, as FSRS grades it: wrong is Again, shaky (a correct but slow or hinted
/// answer) Hard, correct Good, quick and unaided Easy.
pub fn grade(correct: bool, result: f64) -> Rating {
    match (correct, result) {
        (false, _) => Rating::Again,
        (true, r) if r < SHAKY_BELOW => Rating::Hard,
        (true, r) if r < EASY_FROM => Rating::Good,
        _ => Rating::Easy,
    }
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn state_code(state: State) -> u8 {
    match state {
        State::New => 0,
        State::Learning => 1,
        State::Review => 2,
        State::Relearning => 3,
    }
}

fn state_of(code: u8) -> State {
    match code {
        1 => State::Learning,
        2 => State::Review,
        3 => State::Relearning,
        _ => State::New,
    }
}

impl ReviewCard {
    fn card(&self) -> Card {
        Card {
            due: time(self.due_ms),
            stability: self.stability,
            difficulty: self.difficulty,
            elapsed_days: 0,
            scheduled_days: self.scheduled_days,
            reps: self.reps,
            lapses: self.lapses,
            state: state_of(self.state),
            last_review: time(self.last_review_ms),
        }
    }

    fn from_card(item: &str, card: &Card) -> ReviewCard {
        ReviewCard {
            item: item.to_string(),
            due_ms: card.due.timestamp_millis(),
            stability: card.stability,
            difficulty: card.difficulty,
            reps: card.reps,
            lapses: card.lapses,
            last_review_ms: card.last_review.timestamp_millis(),
            scheduled_days: card.scheduled_days,
            state: state_code(card.state),
        }
    }
}

fn scheduler() -> FSRS {
    FSRS::new(Parameters {
        enable_short_term: false,
        enable_fuzz: false,
        ..Parameters::default()
    })
}

/// Record an attempt at `item` graded `rating` at `now_ms`: a missed or shaky item without a
/// card gets one; an item with a card is rescheduled (and leaves the list once learnt).
/// Returns whether the list changed.
pub fn record(cards: &mut Vec<ReviewCard>, item: &str, rating: Rating, now_ms: i64) -> bool {
    let existing = cards.iter().position(|c| c.item == item);
    if existing.is_none() && matches!(rating, Rating::Good | Rating::Easy) {
        return false;
    }
    let card = existing.map_or_else(Card::new, |i| cards[i].card());
    let next = scheduler().next(card, time(now_ms), rating).card;
    let updated = ReviewCard::from_card(item, &next);
    match existing {
        Some(i) if next.scheduled_days >= LEARNT_AFTER_DAYS => {
            cards.remove(i);
        }
        Some(i) => cards[i] = updated,
        None => cards.push(updated),
    }
    cards.sort_by(|a, b| a.due_ms.cmp(&b.due_ms).then_with(|| a.item.cmp(&b.item)));
    cards.truncate(MAX_REVIEWS);
    true
}

/// The items due at `now_ms`, most overdue first.
pub fn due(cards: &[ReviewCard], now_ms: i64) -> impl Iterator<Item = &ReviewCard> {
    // Kept sorted by due date by `record`.
    cards.iter().take_while(move |c| c.due_ms <= now_ms)
}

/// When the first review falls due, if any.
pub fn next_due(cards: &[ReviewCard]) -> Option<i64> {
    cards.iter().map(|c| c.due_ms).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    const T0: i64 = 1_790_000_000_000;

    #[test]
    fn packed_cards_round_trip_and_damage_is_an_error() {
        let mut cards = Vec::new();
        record(&mut cards, "missed", grade(false, 0.0), T0);
        record(&mut cards, "é-item", grade(true, 0.75), T0);
        cards.push(ReviewCard {
            item: "x".repeat(300),
            due_ms: i64::MIN,
            stability: f64::MAX,
            difficulty: -0.0,
            reps: i32::MAX,
            lapses: -1,
            last_review_ms: i64::MAX,
            scheduled_days: 0,
            state: 3,
        });
        let bytes = pack(&cards);
        assert_eq!(unpack(&bytes), Ok(cards.clone()));
        assert_eq!(unpack(&pack(&[])), Ok(Vec::new()));
        // A cut reads only at a card boundary, and then as the cards before it.
        let mut boundaries = 0;
        for cut in 0..bytes.len() {
            if let Ok(read) = unpack(&bytes[..cut]) {
                assert!(cards.starts_with(&read), "a cut at {cut} reads a prefix");
                boundaries += 1;
            }
        }
        assert_eq!(boundaries, cards.len());
        assert_eq!(unpack(&[]), Err(Damaged));
        assert_eq!(unpack(&[2]), Err(Damaged), "an unknown version");
        assert_eq!(unpack(&[1, 1, 0xff]), Err(Damaged), "invalid UTF-8");
        assert_eq!(
            unpack(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Err(Damaged)
        );
    }

    #[test]
    fn a_good_answer_to_a_new_item_schedules_nothing() {
        let mut cards = Vec::new();
        assert!(!record(&mut cards, "a", grade(true, 0.9), T0));
        assert!(cards.is_empty());
    }

    #[test]
    fn a_miss_is_due_soon_and_a_shaky_answer_later() {
        let mut cards = Vec::new();
        assert!(record(&mut cards, "missed", grade(false, 0.0), T0));
        assert!(record(&mut cards, "shaky", grade(true, 0.75), T0));
        let missed = cards.iter().find(|c| c.item == "missed").unwrap();
        let shaky = cards.iter().find(|c| c.item == "shaky").unwrap();
        assert!(missed.due_ms > T0 && missed.due_ms <= T0 + 2 * DAY);
        assert!(shaky.due_ms >= missed.due_ms);
        assert_eq!(due(&cards, T0).count(), 0);
        assert_eq!(due(&cards, T0 + 30 * DAY).count(), 2);
        assert_eq!(next_due(&cards), Some(missed.due_ms));
    }

    #[test]
    fn later_right_answers_push_the_review_out_until_it_is_learnt() {
        let mut cards = Vec::new();
        record(&mut cards, "x", Rating::Again, T0);
        let mut now = T0;
        let mut last_interval = 0;
        for _ in 0..20 {
            let Some(card) = cards.first() else { break };
            now = card.due_ms;
            let interval = card.due_ms - card.last_review_ms;
            assert!(
                interval >= last_interval,
                "intervals grow with right answers"
            );
            last_interval = interval;
            record(&mut cards, "x", Rating::Good, now);
        }
        assert!(cards.is_empty(), "learnt items leave the list");
        assert!(now > T0 + 30 * DAY);
    }

    #[test]
    fn another_miss_brings_the_review_back() {
        let mut cards = Vec::new();
        record(&mut cards, "x", Rating::Again, T0);
        let first = cards[0].due_ms;
        record(&mut cards, "x", Rating::Good, first);
        let pushed = cards[0].due_ms;
        record(&mut cards, "x", Rating::Again, pushed);
        assert!(cards[0].due_ms - pushed < pushed - first);
        assert_eq!(cards[0].lapses, 1);
    }

    #[test]
    fn the_list_is_bounded_keeping_the_earliest() {
        let mut cards = Vec::new();
        for i in 0..(MAX_REVIEWS as i64 + 10) {
            record(&mut cards, &format!("i{i}"), Rating::Again, T0 + i * 1000);
        }
        assert_eq!(cards.len(), MAX_REVIEWS);
        assert!(cards.iter().any(|c| c.item == "i0"));
        assert!(
            !cards
                .iter()
                .any(|c| c.item == format!("i{}", MAX_REVIEWS + 9))
        );
    }
}
