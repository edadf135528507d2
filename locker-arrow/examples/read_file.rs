//! Reads a journal file into Arrow batches and prints the rate:
//! `cargo run --release -p locker-arrow --example read_file -- <journal.jsonl> [copies]`.

use std::time::Instant;

use locker_arrow::{JournalInput, read_journals};
use locker_core::journal::Trust;

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: read_file <journal.jsonl> [copies]")?;
    let copies: usize = args.next().map_or(Ok(1), |c| c.parse())?;
    let text = std::fs::read_to_string(path)?;
    let ids: Vec<String> = (0..copies).map(|i| format!("bank-{i}")).collect();
    let inputs: Vec<JournalInput<'_>> = ids
        .iter()
        .map(|bank_id| JournalInput {
            bank_id,
            text: &text,
            trust: Trust::integrity_only(),
        })
        .collect();
    for threads in [1, 2] {
        let started = Instant::now();
        let table = read_journals(&inputs, threads);
        let seconds = started.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let rate = table.num_rows() as f64 / seconds / 1e6;
        println!(
            "{threads} thread(s): {} rows in {seconds:.3} s, {rate:.2} M rows/s",
            table.num_rows()
        );
    }
    Ok(())
}
