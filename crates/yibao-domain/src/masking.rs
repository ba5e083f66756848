//! Masks for the personal information that lists, logs and exports show: names and phone
//! numbers. Identity numbers have their own (`IdNumber::masked`, `id_number::mask_id_text`).

/// A name with every character after the first hidden: 张三 → 张*, 欧阳明华 → 欧***.
/// A one-character name still gets one star, so a mask never shows a whole name.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// A phone number with all but its first three and last four digits hidden behind four
/// stars: 13800000001 → 138****0001. Anything shorter than seven characters, or not plain
/// ASCII, is hidden entirely.
pub fn mask_phone(phone: &str) -> String {
    let phone = phone.trim();
    if phone.len() >= 7 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[phone.len() - 4..])
    } else {
        "*".repeat(phone.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_their_first_character() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳明华"), "欧***");
        assert_eq!(mask_name(" 王 "), "王*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn phones_keep_three_leading_and_four_trailing_digits() {
        assert_eq!(mask_phone("13800000001"), "138****0001");
        assert_eq!(mask_phone("0515-8888123"), "051****8123");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone("１３８０００００００１"), "*".repeat(11));
    }
}
