//! Chinese text analysis shared by the archive index and the policy Q&A: a jieba word
//! segmenter that knows medical-insurance terms (the bundled dictionary lacks 异地就医, 零星报销,
//! 门诊慢特病…) and a character-bigram tokenizer that matches unsegmented or misspelt text.
//!
//! Both are offered as plain functions (`words`, `bigrams`) and as tantivy tokenizers
//! (`WordTokenizer`, `BigramTokenizer`) so that what is indexed and what is searched are cut
//! the same way.

use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Medical-insurance terms added to jieba's dictionary, one `word frequency` per line.
pub const USER_DICTIONARY: &str = include_str!("../data/userdict.txt");

/// The shared segmenter: jieba's bundled dictionary plus [`USER_DICTIONARY`].
pub fn jieba() -> Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA
        .get_or_init(|| {
            let mut jieba = Jieba::new();
            for line in USER_DICTIONARY.lines() {
                let mut parts = line.split_whitespace();
                if let Some(word) = parts.next().filter(|w| !w.starts_with('#')) {
                    let frequency = parts.next().and_then(|f| f.parse().ok());
                    jieba.add_word(word, frequency.or(Some(30_000)), None);
                }
            }
            Arc::new(jieba)
        })
        .clone()
}

/// jieba with its bundled dictionary only: what the plain baseline uses.
pub fn plain_jieba() -> Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA.get_or_init(|| Arc::new(Jieba::new())).clone()
}

/// Folds full-width ASCII to half-width and upper case to lower case, char by char (so the
/// character count is unchanged).
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// [`fold_char`] over a whole string.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// A CJK ideograph (the basic block and extension A are what OCR and residents produce).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// A Han character or an ASCII letter/digit (after folding).
pub fn is_han_or_alnum(c: char) -> bool {
    is_word_char(c)
}

fn is_word_char(c: char) -> bool {
    let c = fold_char(c);
    c.is_ascii_alphanumeric() || is_han(c)
}

/// Word tokens (jieba search mode: long words and their dictionary sub-words), folded, with
/// punctuation and spaces dropped.
pub fn words_with(jieba: &Jieba, text: &str) -> Vec<String> {
    let text = fold(text);
    jieba
        .cut_for_search(&text, true)
        .into_iter()
        .map(|token| token.word.trim())
        .filter(|word| word.chars().any(is_word_char))
        .map(str::to_owned)
        .collect()
}

/// [`words_with`] the medical-insurance segmenter.
pub fn words(text: &str) -> Vec<String> {
    words_with(&jieba(), text)
}

/// Character bigrams of every Han run (a lone Han character stands for itself) and whole
/// ASCII letter/digit runs, folded.
pub fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    BigramTokenizer.token_stream(text).process(&mut |token| {
        out.push(token.text.clone());
    });
    out
}

/// Tantivy tokenizer over the shared segmenter (search mode, HMM on).
#[derive(Clone)]
pub struct WordTokenizer {
    jieba: Arc<Jieba>,
}

impl WordTokenizer {
    /// The medical-insurance segmenter.
    pub fn new() -> WordTokenizer {
        WordTokenizer { jieba: jieba() }
    }

    /// jieba's bundled dictionary only (for the baseline).
    pub fn plain() -> WordTokenizer {
        WordTokenizer {
            jieba: plain_jieba(),
        }
    }
}

impl Default for WordTokenizer {
    fn default() -> Self {
        WordTokenizer::new()
    }
}

/// Tokens already cut, replayed one by one.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        // jieba works on the original text so offsets stay byte offsets into it; each token is
        // folded afterwards.
        let tokens = self
            .jieba
            .cut_for_search(text, true)
            .into_iter()
            .filter(|token| token.word.chars().any(is_word_char))
            .enumerate()
            .map(|(position, token)| Token {
                offset_from: token.byte_start,
                offset_to: token.byte_end,
                position,
                text: fold(token.word.trim()),
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, index: 0 }
    }
}

/// Tantivy tokenizer emitting Han bigrams and ASCII runs (see [`bigrams`]).
#[derive(Clone, Copy, Default)]
pub struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let end_of = |i: usize| chars.get(i).map(|&(at, _)| at).unwrap_or(text.len());
        let mut i = 0;
        while i < chars.len() {
            let c = fold_char(chars[i].1);
            if is_han(c) {
                let start = i;
                while i < chars.len() && is_han(chars[i].1) {
                    i += 1;
                }
                if i - start == 1 {
                    tokens.push(token(text, chars[start].0, end_of(start + 1), tokens.len()));
                } else {
                    for (j, &(at, _)) in chars.iter().enumerate().take(i - 1).skip(start) {
                        tokens.push(token(text, at, end_of(j + 2), tokens.len()));
                    }
                }
            } else if c.is_ascii_alphanumeric() {
                let start = i;
                while i < chars.len() && fold_char(chars[i].1).is_ascii_alphanumeric() {
                    i += 1;
                }
                tokens.push(token(text, chars[start].0, end_of(i), tokens.len()));
            } else {
                i += 1;
            }
        }
        VecTokenStream { tokens, index: 0 }
    }
}

fn token(text: &str, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text: fold(&text[from..to]),
        position_length: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn the_user_dictionary_keeps_insurance_terms_whole() {
        let cut = words("异地就医备案和零星报销，门诊慢特病的起付线");
        expect![[r#"["异地", "就医", "备案", "异地就医备案", "和", "零星", "星报", "报销", "零星报销", "门诊", "慢特病", "门诊慢特病", "的", "起付线"]"#]]
            .assert_eq(&format!("{cut:?}"));
        let plain = words_with(&plain_jieba(), "零星报销");
        assert!(!plain.contains(&"零星报销".to_owned()), "{plain:?}");
    }

    #[test]
    fn bigrams_cover_han_runs_and_keep_ascii_runs_whole() {
        expect![[r#"["异地", "地就", "就医", "ab12", "备", "ok"]"#]]
            .assert_eq(&format!("{:?}", bigrams("异地就医，ＡＢ12 备。OK")));
    }

    #[test]
    fn tokenizer_offsets_point_into_the_original_text() {
        let text = "零星报销（手工）";
        let mut stream = BigramTokenizer.token_stream(text);
        let mut seen = Vec::new();
        while let Some(token) = stream.next() {
            seen.push(text[token.offset_from..token.offset_to].to_owned());
        }
        assert_eq!(seen, ["零星", "星报", "报销", "手工"]);
        let mut stream = WordTokenizer::new().token_stream(text);
        let mut seen = Vec::new();
        while let Some(token) = stream.next() {
            seen.push(text[token.offset_from..token.offset_to].to_owned());
        }
        assert!(seen.contains(&"零星报销".to_owned()), "{seen:?}");
    }
}
