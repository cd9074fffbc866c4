//! Slugs derived from names, exactly as upstream derives them so that the
//! same name yields the same slug on both servers.

/// Lower-cases `name` (Unicode-aware), turns ASCII spaces into `-`, drops
/// everything but ASCII letters, digits and `-`, collapses runs of `-` and
/// trims them from both ends. No length limit. May return an empty string
/// (`"!!!"`, `"你好"`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        let c = if c == ' ' { '-' } else { c };
        if !(c.is_ascii_alphanumeric() || c == '-') {
            continue;
        }
        if c == '-' && (slug.is_empty() || slug.ends_with('-')) {
            continue;
        }
        slug.push(c);
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn pinned_upstream_examples() {
        let cases = [
            ("My Agent", "my-agent"),
            ("Agent@123!", "agent123"),
            ("My   Cool   Agent", "my-cool-agent"),
            ("MY-COOL-AGENT", "my-cool-agent"),
            ("  spaces  ", "spaces"),
            ("Agent_Test", "agenttest"),
            ("my.test.agent", "mytestagent"),
            ("---hyphens---", "hyphens"),
            ("multiple---hyphens", "multiple-hyphens"),
            ("123Agent", "123agent"),
            ("Agent 你好", "agent"),
            ("", ""),
            ("!!!", ""),
            ("你好", ""),
        ];
        for (name, want) in cases {
            assert_eq!(slugify(name), want, "slugify({name:?})");
        }
    }

    #[test]
    fn long_names_are_kept_whole() {
        let name = "a".repeat(98);
        assert_eq!(slugify(&name), name);
    }

    #[test]
    fn tabs_are_dropped_not_hyphenated_and_kelvin_sign_survives() {
        assert_eq!(slugify("a\tb"), "ab");
        assert_eq!(slugify("\u{212A}elvin"), "kelvin");
    }
}
