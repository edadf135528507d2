//! Simulates a month of a building through a real locker, then reads its
//! journal into Arrow batches, copied under several bank ids, and prints
//! the rate with and without the MACs checked:
//! `cargo run --release -p locker-arrow --example read_file -- [units] [copies]`.

use std::time::Instant;

use locker_arrow::{JournalInput, read_journals};
use locker_core::journal::{Trust, lines};
use locker_core::sim::{Building, simulate_locker};

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    let units: u32 = args.next().map_or(Ok(300), |u| u.parse())?;
    let copies: usize = args.next().map_or(Ok(4), |c| c.parse())?;
    let building = Building {
        units,
        days: 30,
        start_day_of_year: 305,
        seed: 1,
        ..Building::default()
    };
    let run = simulate_locker(&building, &locker_core::bank::default_bank())?;
    let text = lines::write(run.locker.journal().records());
    let keys = run.locker.keys().clone();
    let ids: Vec<String> = (0..copies).map(|i| format!("bank-{i}")).collect();
    for (label, trust) in [
        ("integrity", Trust::integrity_only()),
        ("MACs", Trust::with_keys(&keys)),
    ] {
        let inputs: Vec<JournalInput<'_>> = ids
            .iter()
            .map(|bank_id| JournalInput {
                bank_id,
                text: &text,
                trust,
            })
            .collect();
        for threads in [1, 2] {
            let started = Instant::now();
            let table = read_journals(&inputs, threads);
            let seconds = started.elapsed().as_secs_f64();
            #[allow(clippy::cast_precision_loss)]
            let rate = table.num_rows() as f64 / seconds / 1e6;
            println!(
                "{label}, {threads} thread(s): {} rows in {seconds:.3} s, {rate:.2} M rows/s",
                table.num_rows()
            );
        }
    }
    Ok(())
}
