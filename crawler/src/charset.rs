//! Decoding fetched HTML into text, whatever its character set.
//!
//! The order follows the WHATWG encoding-sniffing algorithm in simplified form: a byte-order
//! mark wins, then the HTTP `Content-Type` charset, then a `<meta charset>` or
//! `<meta http-equiv="Content-Type">` in the first kilobytes, then UTF-8 if the bytes are valid
//! UTF-8, and otherwise what chardetng (the detector Firefox uses for undeclared legacy pages)
//! guesses from the bytes. Labels map to encodings as browsers map them: `ISO-8859-1` and
//! `ASCII` decode as windows-1252, `gb2312` and `GBK` as GB18030.
//!
//! XML feeds declare their encoding in the XML declaration instead; feed-rs reads it there.

use std::fmt;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};

/// How many leading bytes are searched for a `<meta>` declaration (the spec says 1024; many
/// real pages put theirs after long inline scripts, so a little more is read).
const META_PRESCAN_BYTES: usize = 4096;

/// Where the character set of a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark.
    ByteOrderMark,
    /// The `Content-Type` response header.
    HttpHeader,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` tag.
    MetaTag,
    /// Nothing declared; the bytes are valid UTF-8.
    ValidUtf8,
    /// Nothing declared and not UTF-8; the encoding was guessed from the bytes.
    Detected,
}

impl fmt::Display for CharsetSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            CharsetSource::ByteOrderMark => "byte-order mark",
            CharsetSource::HttpHeader => "HTTP Content-Type header",
            CharsetSource::MetaTag => "meta charset tag",
            CharsetSource::ValidUtf8 => "undeclared, valid UTF-8",
            CharsetSource::Detected => "undeclared, guessed from the bytes",
        })
    }
}

/// Decodes an HTML body; `content_type` is the response's `Content-Type` header, if any.
pub fn decode_html(
    bytes: &[u8],
    content_type: Option<&str>,
) -> (String, &'static Encoding, CharsetSource) {
    let (encoding, source) = sniff(bytes, content_type);
    // `decode` strips a BOM and replaces malformed sequences rather than failing.
    let (text, _, _) = encoding.decode(bytes);
    (text.into_owned(), encoding, source)
}

fn sniff(bytes: &[u8], content_type: Option<&str>) -> (&'static Encoding, CharsetSource) {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return (encoding, CharsetSource::ByteOrderMark);
    }
    if let Some(encoding) = content_type
        .and_then(charset_parameter)
        .and_then(for_html_label)
    {
        return (encoding, CharsetSource::HttpHeader);
    }
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    if let Some(encoding) = meta_charset(head).and_then(|label| for_html_label(&label)) {
        return (encoding, CharsetSource::MetaTag);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, CharsetSource::ValidUtf8);
    }
    // Agora runs no scripts, so ISO-2022-JP's script-injection risk for browsers does not
    // apply; UTF-8 was ruled out above.
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    (
        detector.guess(None, Utf8Detection::Deny),
        CharsetSource::Detected,
    )
}

/// Looks up an encoding label; UTF-16 labels in HTML without a BOM mean UTF-8, per the spec.
fn for_html_label(label: &str) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label.trim().as_bytes())?;
    Some(
        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            encoding
        },
    )
}

fn charset_parameter(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// Finds `charset=` inside the first `<meta ...>` tag that declares one.
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(start) = rest.find("<meta") {
        let tag_and_after = &rest[start..];
        let end = tag_and_after.find('>').unwrap_or(tag_and_after.len());
        let tag = &tag_and_after[..end];
        if let Some(position) = tag.find("charset=") {
            let value = tag[position + "charset=".len()..].trim_start_matches(['"', '\'', ' ']);
            let label: String = value
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ' ' | ';' | '/' | '>'))
                .collect();
            if !label.is_empty() {
                return Some(label);
            }
        }
        rest = &tag_and_after[end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_bytes_and_header_decode_without_panicking(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            header in "\\PC{0,40}",
        ) {
            let (_, encoding, _) = decode_html(&bytes, Some(&header));
            // UTF-16 is only ever chosen from a byte-order mark, as browsers do.
            let is_utf16 = encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE;
            prop_assert!(!is_utf16 || Encoding::for_bom(&bytes).is_some());
        }
    }

    #[test]
    fn header_charset_decodes_latin1() {
        let bytes = b"<p>Educa\xe7\xe3o</p>";
        let (text, encoding, source) = decode_html(bytes, Some("text/html; charset=ISO-8859-1"));
        assert_eq!(text, "<p>Educação</p>");
        assert_eq!(encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(source, CharsetSource::HttpHeader);
    }

    #[test]
    fn meta_charset_decodes_shift_jis() {
        let (encoded, _, _) = encoding_rs::SHIFT_JIS.encode("洪水警報");
        let mut bytes = b"<html><head><meta charset=\"Shift_JIS\"></head><body>".to_vec();
        bytes.extend_from_slice(&encoded);
        let (text, encoding, source) = decode_html(&bytes, Some("text/html"));
        assert!(text.ends_with("洪水警報"), "{text}");
        assert_eq!(encoding, encoding_rs::SHIFT_JIS);
        assert_eq!(source, CharsetSource::MetaTag);
    }

    #[test]
    fn http_equiv_meta_is_understood() {
        let (encoded, _, _) = encoding_rs::GB18030.encode("医院");
        let mut bytes =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">".to_vec();
        bytes.extend_from_slice(&encoded);
        let (text, _, source) = decode_html(&bytes, None);
        assert!(text.ends_with("医院"), "{text}");
        assert_eq!(source, CharsetSource::MetaTag);
    }

    #[test]
    fn bom_wins_over_a_wrong_header() {
        let bytes = b"\xef\xbb\xbfa\xc3\xa7\xc3\xa3o";
        let (text, _, source) = decode_html(bytes, Some("text/html; charset=iso-8859-1"));
        assert_eq!(text, "ação");
        assert_eq!(source, CharsetSource::ByteOrderMark);
    }

    #[test]
    fn undeclared_bytes_are_utf8_or_detected() {
        assert_eq!(
            decode_html("ação".as_bytes(), None).2,
            CharsetSource::ValidUtf8
        );
        let (text, _, source) = decode_html(b"<p>Le caf\xe9 de la mairie est ferm\xe9</p>", None);
        assert_eq!(
            (text.as_str(), source),
            (
                "<p>Le café de la mairie est fermé</p>",
                CharsetSource::Detected
            )
        );
    }

    #[test]
    fn undeclared_shift_jis_is_detected() {
        let (encoded, _, _) = encoding_rs::SHIFT_JIS
            .encode("<p>大雨による洪水の危険が高まったため、市は避難指示を出しました。</p>");
        let (text, encoding, source) = decode_html(&encoded, None);
        assert!(text.contains("避難指示"), "{text}");
        assert_eq!(
            (encoding, source),
            (encoding_rs::SHIFT_JIS, CharsetSource::Detected)
        );
    }

    #[test]
    fn legacy_encodings_declared_anywhere_decode() {
        // (label as declared, text) — each encoded with the encoding the label names.
        let cases = [
            ("ISO-8859-1", "Educação pública"),
            ("windows-1252", "Bürgerbeteiligung – „Haushalt“"),
            ("Shift_JIS", "洪水警報と避難所"),
            ("GB18030", "医院排队与预约挂号"),
            ("gb2312", "城市交通"),
            ("EUC-KR", "주민 참여 예산"),
        ];
        for (label, expected) in cases {
            let encoding = Encoding::for_label(label.as_bytes()).unwrap();
            let (encoded, _, unmappable) = encoding.encode(expected);
            assert!(!unmappable, "{label}");
            let header = format!("text/html; charset={label}");
            assert_eq!(
                decode_html(&encoded, Some(&header)).0,
                expected,
                "{label} header"
            );

            let mut page = format!("<meta charset=\"{label}\">").into_bytes();
            page.extend_from_slice(&encoded);
            let (text, _, source) = decode_html(&page, Some("text/html"));
            assert!(text.ends_with(expected), "{label} meta: {text}");
            assert_eq!(source, CharsetSource::MetaTag, "{label}");
        }
    }

    #[test]
    fn header_wins_over_meta() {
        let mut page = b"<meta charset=\"utf-8\">".to_vec();
        page.extend_from_slice(b"Educa\xe7\xe3o");
        let (text, _, source) = decode_html(&page, Some("text/html; charset=\"iso-8859-1\""));
        assert!(text.ends_with("Educação"), "{text}");
        assert_eq!(source, CharsetSource::HttpHeader);
    }

    #[test]
    fn utf16_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Ação".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, encoding, source) = decode_html(&bytes, Some("text/html; charset=utf-8"));
        assert_eq!(text, "Ação");
        assert_eq!(
            (encoding, source),
            (encoding_rs::UTF_16LE, CharsetSource::ByteOrderMark)
        );
    }

    #[test]
    fn unknown_labels_are_ignored() {
        let (text, _, source) = decode_html(b"plain", Some("text/html; charset=klingon"));
        assert_eq!((text.as_str(), source), ("plain", CharsetSource::ValidUtf8));
    }
}
