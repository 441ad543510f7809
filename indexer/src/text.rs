//! Small text helpers shared by snippets and result pages.

/// Escapes the five characters that are special in HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Returns the start of `text` cut to about `max_chars` characters, at a word boundary when
/// one is near, with an ellipsis when something was cut.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    let head = &text[..cut];
    // Text without spaces (Chinese, Japanese) is cut where it is.
    let boundary = head
        .rfind(char::is_whitespace)
        .filter(|&position| position > cut / 2)
        .unwrap_or(cut);
    format!("{}…", head[..boundary].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_html(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(excerpt("  short text ", 50), "short text");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        assert_eq!(excerpt("one two three four", 10), "one two…");
    }

    #[test]
    fn text_without_spaces_is_cut_at_the_limit() {
        assert_eq!(excerpt("洪水警報の運用について", 4), "洪水警報…");
    }
}
