//! What `status` prints: the lines of its report, on stdout (the report is the answer).

/// The lines of a report, written to stdout at once: the report is the command's answer, so it
/// goes where data goes; hints and errors stay on stderr.
#[derive(Debug, Default)]
pub(super) struct Report(String);

impl Report {
    pub(super) fn line(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\n');
    }

    pub(super) fn write(&self) -> anyhow::Result<()> {
        crate::output::write_data(&self.0)
    }
}
