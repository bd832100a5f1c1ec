//! Compile-time diagnostics and their rendering.
//!
//! Every stage reports problems as [`Diagnostic`] values instead of failing
//! fast, so one run shows every independent error. Rendering puts the
//! `file:line:col: error: message` line first (the format the language
//! reference fixes, and the one editors jump to), followed by the source line
//! with a caret drawn by `codespan-reporting`.

use crate::span::{LineIndex, Span};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::NoColor, Config};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Short text drawn under the caret.
    pub label: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, message: message.into(), span, label: None, notes: vec![] }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders diagnostics for one file as plain text (no colour codes).
pub fn render(file_name: &str, src: &str, diags: &[Diagnostic]) -> String {
    let index = LineIndex::new(src);
    let file = SimpleFile::new(file_name, src);
    let config = Config::default();
    let mut out = Vec::new();
    for d in diags {
        let (line, col) = index.line_col(src, d.span.start);
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.extend_from_slice(format!("{file_name}:{line}:{col}: {sev}: {}\n", d.message).as_bytes());
        let start = (d.span.start as usize).min(src.len());
        let end = (d.span.end as usize).clamp(start, src.len());
        let label = Label::primary((), start..end).with_message(d.label.clone().unwrap_or_default());
        let cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_labels(vec![label])
        .with_notes(d.notes.clone());
        let mut writer = NoColor::new(Vec::new());
        if term::emit(&mut writer, &config, &file, &cs).is_ok() {
            // codespan prints its own (empty) header line first; we already
            // printed ours in the reference's format, so drop it.
            let text = String::from_utf8_lossy(&writer.into_inner()).into_owned();
            let body = text.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
            out.extend_from_slice(body.as_bytes());
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_and_caret() {
        let src = "let a = 1\nlet r = nope(2)\n";
        let d = Diagnostic::error(Span::new(18, 22), "undefined function `nope`").with_label("not defined");
        let text = render("t.ruchy", src, &[d]);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("t.ruchy:2:9: error: undefined function `nope`"));
        assert!(text.contains("let r = nope(2)"), "{text}");
        assert!(text.contains("^^^^ not defined"), "{text}");
    }
}
