use super::*;

/// Every Unicode scalar value, in strings of a few hundred characters, with the characters
/// that matter to the formats' syntax in each.
fn every_character() -> Vec<String> {
    let all: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
    all.chunks(509).map(|chunk| format!("\"a'\\b#c]]\n{}", chunk.iter().collect::<String>())).collect()
}

#[test]
fn toml_strings_read_back_unchanged() {
    for text in every_character() {
        let doc = format!("key = {}\n", toml(&text));
        let table: toml::Table = toml::from_str(&doc).unwrap_or_else(|e| panic!("{e}: {doc:?}"));
        assert_eq!(table["key"].as_str(), Some(text.as_str()));
        assert_eq!(table.len(), 1);
    }
}

#[test]
fn yaml_strings_read_back_unchanged() {
    for text in every_character() {
        let doc = format!("key: {}\nlist: [{}, {}]\n", yaml(&text), yaml(&text), yaml("x"));
        let value: serde_norway::Value = serde_norway::from_str(&doc).unwrap_or_else(|e| panic!("{e}: {doc:?}"));
        assert_eq!(value["key"].as_str(), Some(text.as_str()));
        assert_eq!(value["list"][0].as_str(), Some(text.as_str()));
        assert_eq!(value["list"][1].as_str(), Some("x"));
    }
}

#[test]
fn line_breaks_never_stand_as_themselves() {
    for c in ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{0}', '\u{7F}', '\u{1B}'] {
        let text = format!("a{c}b");
        assert!(!toml(&text).contains(c), "{c:?}");
        assert!(!yaml(&text).contains(c), "{c:?}");
    }
    assert_eq!(toml("a\nb\"c\\"), r#""a\u000Ab\"c\\""#);
    assert_eq!(yaml("a\u{2028}b\u{1F600}"), "\"a\\u2028b\u{1F600}\"");
}
