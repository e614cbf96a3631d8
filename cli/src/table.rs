//! Aligned text columns, measured in terminal cells (a CJK character takes two).

use crate::text::clean;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// How a column's cells are aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table: a header row (omitted when empty) and rows of cells, written with two spaces
/// between columns and no trailing spaces. Cells are [`clean`]ed, so each row is one line.
pub struct Table {
    aligns: Vec<Align>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// For each row, the lines written under it as they are (already cleaned and indented).
    notes: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            aligns: columns.iter().map(|&(_, align)| align).collect(),
            header: columns.iter().map(|&(name, _)| name.to_owned()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A table without a header row.
    pub fn headless(aligns: &[Align]) -> Self {
        Table { aligns: aligns.to_vec(), header: Vec::new(), rows: Vec::new(), notes: Vec::new() }
    }

    /// Adds a row; it must have one cell per column.
    pub fn row(&mut self, cells: Vec<String>) {
        self.row_with_notes(cells, Vec::new());
    }

    /// Adds a row followed by lines of its own, which take no part in the column widths.
    pub fn row_with_notes(&mut self, cells: Vec<String>, notes: Vec<String>) {
        debug_assert_eq!(cells.len(), self.aligns.len());
        self.rows.push(cells.into_iter().map(|cell| clean(&cell).into_owned()).collect());
        self.notes.push(notes.iter().map(|note| clean(note).into_owned()).collect());
    }

    /// Writes the table, each row indented by `indent` spaces.
    pub fn write(&self, out: &mut dyn Write, indent: usize) -> io::Result<()> {
        let no_notes = Vec::new();
        let header = (!self.header.is_empty()).then_some((&self.header, &no_notes));
        let lines = header.into_iter().chain(self.rows.iter().zip(&self.notes));
        let mut widths = vec![0; self.aligns.len()];
        for (line, _) in lines.clone() {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.width());
            }
        }
        for (line, notes) in lines {
            let mut text = " ".repeat(indent);
            let last = line.iter().rposition(|cell| !cell.is_empty()).unwrap_or(0);
            for (i, ((cell, &width), &align)) in line.iter().zip(&widths).zip(&self.aligns).enumerate().take(last + 1) {
                if i > 0 {
                    text.push_str("  ");
                }
                let pad = " ".repeat(width - cell.width());
                match align {
                    Align::Left if i == last => text.push_str(cell),
                    Align::Left => {
                        text.push_str(cell);
                        text.push_str(&pad);
                    }
                    Align::Right => {
                        text.push_str(&pad);
                        text.push_str(cell);
                    }
                }
            }
            writeln!(out, "{text}")?;
            for note in notes {
                writeln!(out, "{}{note}", " ".repeat(indent))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(table: &Table) -> String {
        let mut out = Vec::new();
        table.write(&mut out, 0).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_are_aligned_by_display_width() {
        let mut table = Table::new(&[("NAME", Align::Left), ("SIZE", Align::Right), ("NOTE", Align::Left)]);
        table.row(vec!["認証".into(), "5".into(), "wide".into()]);
        table.row(vec!["Ünï".into(), "12345".into(), "".into()]);
        table.row(vec!["a\nb".into(), "1".into(), "x".into()]);
        assert_eq!(
            render(&table),
            "NAME   SIZE  NOTE\n\
             認証      5  wide\n\
             Ünï   12345\n\
             a\\nb      1  x\n"
        );
    }
}
