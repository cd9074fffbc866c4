//! A small markdown reader: heading sections, their tables and fenced
//! code blocks, and the backtick conventions of the spec.

/// The text under one heading, up to the next heading of any level.
pub struct Section<'a> {
    /// 2 for `##`, 3 for `###`, 4 for `####`.
    pub level: usize,
    pub title: &'a str,
    pub lines: Vec<&'a str>,
}

/// Splits a markdown document at its headings (`#` lines outside code
/// fences); text before the first heading is dropped.
pub fn sections(document: &str) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    let mut in_fence = false;
    for line in document.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !in_fence && hashes > 0 && line[hashes..].starts_with(' ') {
            sections.push(Section {
                level: hashes,
                title: line[hashes..].trim(),
                lines: Vec::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.lines.push(line);
        }
    }
    sections
}

/// One markdown table: the header cells and the data rows.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The cell of `row` under the column titled `column`.
    pub fn cell<'r>(&self, row: &'r [String], column: &str) -> &'r str {
        let index = self
            .header
            .iter()
            .position(|title| title == column)
            .unwrap_or_else(|| panic!("table without column {column:?}: {:?}", self.header));
        row.get(index).map_or("", String::as_str)
    }
}

impl Section<'_> {
    /// Every table of the section, in order.
    pub fn tables(&self) -> Vec<Table> {
        let mut tables = Vec::new();
        let mut rows: Vec<Vec<String>> = Vec::new();
        for line in self.lines.iter().chain(std::iter::once(&"")) {
            if line.starts_with('|') {
                rows.push(split_row(line));
            } else if !rows.is_empty() {
                let mut taken = std::mem::take(&mut rows).into_iter();
                let header = taken.next().unwrap_or_default();
                // The second row is the `|---|` separator.
                tables.push(Table {
                    header,
                    rows: taken.skip(1).collect(),
                });
            }
        }
        tables
    }

    /// The only table of the section.
    pub fn table(&self) -> Table {
        let mut tables = self.tables();
        assert_eq!(tables.len(), 1, "one table under {:?}", self.title);
        tables.remove(0)
    }

    /// The lines of the section's first fenced code block.
    pub fn code_block(&self) -> Vec<&str> {
        self.lines
            .iter()
            .skip_while(|line| !line.starts_with("```"))
            .skip(1)
            .take_while(|line| !line.starts_with("```"))
            .copied()
            .collect()
    }
}

/// Cells of a `| a | b |` row, trimmed, with `\|` read as a literal `|`.
fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cell.push('|');
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
        .into_iter()
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// Every `` `quoted` `` part of `text`, in order.
pub fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// `text` without its backticks (`` `a` `` → `a`).
pub fn plain(text: &str) -> String {
    text.replace('`', "")
}
