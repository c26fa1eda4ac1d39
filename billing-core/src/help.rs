//! The portal's help, the pure part: searching the merchant's FAQ. Pure.

/// One FAQ entry in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqEntry {
    pub locale: String,
    pub question: String,
    pub answer: String,
}

/// The most a search reads of what was typed.
pub const MAX_QUERY_CHARS: usize = 200;

/// The query as searched: trimmed, inner whitespace collapsed, at most [`MAX_QUERY_CHARS`].
pub fn normalize_query(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(MAX_QUERY_CHARS).collect()
}

/// The entries that contain every word of `query` (case-insensitive, in the question or the
/// answer), those whose question contains all of them first, otherwise in the merchant's order.
/// Words are what whitespace separates; a query in a language written without spaces (Chinese,
/// Japanese) is matched as one phrase.
pub fn search<'a>(entries: &'a [FaqEntry], query: &str) -> Vec<&'a FaqEntry> {
    let words: Vec<String> =
        normalize_query(query).split(' ').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if words.is_empty() {
        return entries.iter().collect();
    }
    let mut hits: Vec<(bool, usize, &FaqEntry)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let q = e.question.to_lowercase();
            let all = format!("{q}\n{}", e.answer.to_lowercase());
            words
                .iter()
                .all(|w| all.contains(w.as_str()))
                .then(|| (!words.iter().all(|w| q.contains(w.as_str())), i, e))
        })
        .collect();
    hits.sort_by_key(|(in_answer_only, i, _)| (*in_answer_only, *i));
    hits.into_iter().map(|(_, _, e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(q: &str, a: &str) -> FaqEntry {
        FaqEntry { locale: "en".into(), question: q.into(), answer: a.into() }
    }

    #[test]
    fn every_word_must_match_and_question_hits_come_first() {
        let faq = vec![
            entry("How do I pay?", "By card or bank transfer. Refund rules apply."),
            entry("Can I get a refund?", "Yes, within 14 days."),
            entry("Where is my invoice?", "Under Invoices."),
        ];
        let hits: Vec<&str> = search(&faq, "  REFUND ").iter().map(|e| e.question.as_str()).collect();
        assert_eq!(hits, ["Can I get a refund?", "How do I pay?"]);
        assert_eq!(search(&faq, "refund card").len(), 1);
        assert!(search(&faq, "crypto").is_empty());
        assert_eq!(search(&faq, "   ").len(), 3, "an empty search lists everything");
    }

    #[test]
    fn a_phrase_without_spaces_matches_as_typed() {
        let faq =
            vec![FaqEntry {
                locale: "zh-CN".into(), question: "如何申请退款？".into(), answer: "14天内。".into()
            }];
        assert_eq!(search(&faq, "退款").len(), 1);
        assert!(search(&faq, "发票").is_empty());
    }

    #[test]
    fn long_queries_are_cut() {
        assert_eq!(normalize_query(&"a".repeat(500)).chars().count(), MAX_QUERY_CHARS);
        assert_eq!(normalize_query(" a \t b\n"), "a b");
    }
}
