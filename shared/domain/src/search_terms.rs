//! The terms BM25 ranks Q&A passages by: the text lower-cased, common Latin accents,
//! typographic quotes and school-maths signs folded to ASCII, split into Unicode words, English
//! stop words (NLTK's list) dropped, the rest stemmed (Snowball English).
//!
//! The `bm25` crate's own tokenizer does the same with `deunicode` (a transliteration table of
//! all of Unicode) and the `stop-words` crate (every language's list, looked up by name at run
//! time): ~0.5 MB of the bootstrap that answers questions, for English text. On all 1,536 texts
//! of the demo curriculum, the demo bank and the Q&A evaluation both give the same terms, and
//! the evaluation the same results (docs/measurements.md, "Lambda packages"); one deliberate
//! difference: π is the word "pi" (deunicode spells it "p").

use std::collections::HashSet;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// The English stop-word list (NLTK), one per line.
const STOP_WORDS: &str = include_str!("../data/stop-words-en.txt");

/// BM25's tokenizer for English text.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnglishTerms;

impl bm25::Tokenizer for EnglishTerms {
    fn tokenize(&self, text: &str) -> Vec<String> {
        terms(text)
    }
}

/// The search terms of `text`, in order.
pub fn terms(text: &str) -> Vec<String> {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    let stemmer = STEMMER.get_or_init(|| Stemmer::create(Algorithm::English));
    let stop_words = stop_words();
    let text = fold(&text.to_lowercase());
    text.unicode_words()
        .filter(|word| !stop_words.contains(*word))
        .map(|word| stemmer.stem(word).into_owned())
        .collect()
}

/// The stop words, folded as text is.
fn stop_words() -> &'static HashSet<String> {
    static WORDS: OnceLock<HashSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        STOP_WORDS
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(fold)
            .collect()
    })
}

/// Lower-case text with accented Latin letters, typographic quotes and dashes in ASCII.
fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match ascii_of(c) {
            Some(ascii) => folded.push_str(ascii),
            None => folded.push(c),
        }
    }
    folded
}

/// The ASCII spelling of a lower-case Latin-1 or Latin Extended-A letter, a typographic quote,
/// a dash or a school-maths sign; `None` for anything else (kept as it is).
fn ascii_of(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ð' | 'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        // School maths, spelt as deunicode spells it (π as a word, not its "p").
        '×' => "x",
        '÷' => "/",
        '¹' => "1",
        '²' => "2",
        '³' => "3",
        '½' => "1/2",
        '¼' => "1/4",
        '¾' => "3/4",
        'π' => "pi",
        '√' => "sqrt",
        '°' => "deg",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_stemmed_and_stop_words_dropped() {
        assert_eq!(
            terms("The Photosynthesis of GREEN plants is converting light"),
            ["photosynthesi", "green", "plant", "convert", "light"]
        );
        assert!(terms("it is what it is, and they were there").is_empty());
    }

    #[test]
    fn accents_and_typographic_quotes_match_their_ascii_spelling() {
        assert_eq!(terms("Café naïve façade"), terms("cafe naive facade"));
        assert_eq!(terms("Ærø Straße"), terms("aero strasse"));
        assert_eq!(
            terms("don\u{2019}t stop \u{201C}quoted\u{201D}"),
            terms("don't stop \"quoted\"")
        );
        // A stop word written with a typographic apostrophe is still a stop word.
        assert!(terms("you\u{2019}re").is_empty());
    }

    #[test]
    fn maths_signs_are_words_as_they_are_read() {
        assert_eq!(terms("4 × 3 = 12"), ["4", "x", "3", "12"]);
        assert_eq!(terms("x² and ½ of 2π"), terms("x2 and 1/2 of 2pi"));
    }

    #[test]
    fn other_scripts_and_numbers_are_kept_as_words() {
        assert_eq!(terms("Ελλάδα 3.14 水"), ["ελλάδα", "3.14", "水"]);
    }

    #[test]
    fn the_list_is_read_whole() {
        let words = stop_words();
        assert_eq!(words.len(), 179);
        assert!(words.contains("the") && words.contains("wouldn't") && !words.contains("parts"));
    }
}
