//! kubectl-style tables: a header row and left-aligned columns, no borders.

use comfy_table::{ContentArrangement, Table, presets};

pub fn render(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_uppercase()));
    for row in rows {
        table.add_row(row);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    let text = table.to_string();
    let mut out: String = text
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_without_borders() {
        let text = render(
            &["name", "id"],
            vec![
                vec!["a".into(), "agt-1".into()],
                vec!["longer-name".into(), "agt-2".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "NAME          ID");
        assert_eq!(lines[1], "a             agt-1");
        assert_eq!(lines[2], "longer-name   agt-2");
    }
}
