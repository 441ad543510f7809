//! Country codes: ISO 3166-1 alpha-2, plus `INT` for international bodies.

/// Code for documents and sources that concern no single country.
pub const INTERNATIONAL: &str = "INT";

/// The officially assigned ISO 3166-1 alpha-2 codes (generated from pycountry 26.2.16).
const ISO_3166_ALPHA_2: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Tells whether `code` is an assigned ISO 3166-1 alpha-2 code or `INT`.
pub fn is_valid_country(code: &str) -> bool {
    code == INTERNATIONAL || ISO_3166_ALPHA_2.binary_search(&code).is_ok()
}

/// Suggests the right code for common mistakes (`UK` for the United Kingdom, lowercase).
pub fn suggest_country(code: &str) -> Option<&'static str> {
    let upper = code.to_ascii_uppercase();
    if upper == "UK" {
        return Some("GB");
    }
    if upper == "EU" || upper == "INTL" {
        return Some(INTERNATIONAL);
    }
    ISO_3166_ALPHA_2
        .iter()
        .chain(std::iter::once(&INTERNATIONAL))
        .find(|known| **known == upper)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_codes_and_int_are_valid() {
        for code in ["BR", "JP", "GB", "INT", "ZW"] {
            assert!(is_valid_country(code), "{code}");
        }
        for code in ["UK", "br", "XX", "", "BRA"] {
            assert!(!is_valid_country(code), "{code}");
        }
    }

    #[test]
    fn common_mistakes_get_a_suggestion() {
        assert_eq!(suggest_country("UK"), Some("GB"));
        assert_eq!(suggest_country("br"), Some("BR"));
        assert_eq!(suggest_country("XX"), None);
    }
}
