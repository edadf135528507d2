//! The journal on flash over a simulated building: bytes per record in
//! JSON and in the storage encoding, snapshot sizes, and whether a flash
//! budget holds, with how much history it keeps.
//!
//! `cargo run --release -p locker-benches --bin flash_budget -- [days]
//! [units] [budget_bytes]` (defaults: 30 days, 300 units at 20 parcels a
//! unit a month, 1 MiB). The building is the main example's (from
//! 1 November), simulated through the real locker
//! (`sim::simulate_locker`) on the default bank; its records are written to a `FlashJournal` over a simulated NOR flash in order,
//! and the journal is compacted when it asks, with the snapshot of the
//! state after the last record written, as the locker would.
//! `--names` lists the object keys and strings the storage encoding does
//! not intern yet, by the bytes they cost.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::cast_precision_loss)]

use std::collections::BTreeMap;

use locker_core::bank::default_bank;
use locker_core::journal::compact::{NAMES, encode_json, encode_record, encode_snapshot};
use locker_core::journal::flash::{FlashConfig, FlashJournal, MemoryFlash};
use locker_core::journal::{Chain, JournalSink, Record, lines};
use locker_core::locker::{Entry, LockerState};
use locker_core::sim::{Building, simulate_locker};

const BLOCK: u32 = 4096;
const DAY_S: u64 = 86_400;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names = args.iter().any(|a| a == "--names");
    let numbers: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let days = numbers.first().copied().unwrap_or(30);
    let units = numbers.get(1).copied().unwrap_or(300);
    let budget = u32::try_from(numbers.get(2).copied().unwrap_or(1 << 20)).unwrap();

    let building = Building {
        units: u32::try_from(units).unwrap(),
        days: u32::try_from(days).unwrap(),
        // 1 November 2026, a Sunday.
        start_day_of_year: 304,
        start_weekday: 6,
        seed: 2026,
        ..Building::default()
    };
    let run = simulate_locker(&building, &default_bank()).unwrap();
    let locker = run.locker;
    let keys = locker.keys().clone();
    let records = locker.journal().records();
    println!(
        "{units} units, {days} days: {} delivered, {} records",
        run.result.placed,
        records.len()
    );

    let json_bytes: usize = records.iter().map(|r| lines::to_line(r).len() + 1).sum();
    let stored_bytes: usize = records.iter().map(|r| encode_record(r).len()).sum();
    let count = records.len() as f64;
    println!(
        "per record: {:.0} B as a JSON line, {:.1} B stored (+5 B of frame), {:.1} % of JSON",
        json_bytes as f64 / count,
        stored_bytes as f64 / count,
        100.0 * stored_bytes as f64 / json_bytes as f64
    );
    if names {
        list_names(records);
    }
    if let Ok(path) = std::env::var("LOCKER_JOURNAL_OUT") {
        std::fs::write(path, lines::write(records)).unwrap();
    }

    let mut flash_journal = FlashJournal::open::<Entry>(
        MemoryFlash::new(budget, BLOCK),
        FlashConfig::for_capacity(budget),
    )
    .unwrap()
    .0;
    let mut state = LockerState::from_entry(&records[0].entry, records[0].at_s).unwrap();
    let mut chain = Chain::new();
    let mut compactions = 0_u32;
    let mut largest_snapshot = (0_usize, 0_usize, 0_usize);
    let mut largest_json = Vec::new();
    // When the oldest record the flash still holds was written, at each
    // compaction: the history kept.
    let mut kept_days = Vec::new();
    let mut kept_from = 0_usize;
    let mut previous_from;
    for (index, record) in records.iter().enumerate() {
        if index > 0 && JournalSink::<Entry>::wants_compaction(&flash_journal) {
            let mut snapshot = state.snapshot(chain);
            snapshot.seal(&keys).unwrap();
            let json = serde_json::to_vec(&snapshot).unwrap();
            // As the chip stores it: compressed.
            let stored = encode_snapshot(&json).unwrap().len();
            if stored > largest_snapshot.0 {
                let occupied = snapshot.stored.len();
                largest_snapshot = (stored, json.len(), occupied);
                largest_json.clone_from(&json);
            }
            JournalSink::<Entry>::compact(&mut flash_journal, &json).unwrap();
            compactions += 1;
            // The other half, erased now, held the history before the
            // previous compaction.
            previous_from = kept_from;
            kept_from = index;
            if compactions >= 2 {
                let span_s = record.at_s - records[previous_from].at_s;
                kept_days.push(span_s as f64 / DAY_S as f64);
            }
        }
        flash_journal.append(record).unwrap();
        if index > 0 {
            state.apply(&record.entry, record.at_s).unwrap();
        }
        chain.advance(record);
        let usage = flash_journal.usage();
        assert!(usage.used_bytes <= usage.half_bytes);
    }
    let usage = flash_journal.usage();
    println!(
        "budget {budget} B: {compactions} compactions, the active half {} of {} B used at the end",
        usage.used_bytes, usage.half_bytes
    );
    println!(
        "largest snapshot: {} B stored ({} B as JSON) with {} doors occupied",
        largest_snapshot.0, largest_snapshot.1, largest_snapshot.2
    );
    if let (Some(least), Some(most)) = (
        kept_days.iter().copied().reduce(f64::min),
        kept_days.iter().copied().reduce(f64::max),
    ) {
        println!("history kept on flash: {least:.1} to {most:.1} days");
    }
    let final_snapshot = {
        let mut snapshot = locker.snapshot();
        snapshot.seal(&keys).unwrap();
        serde_json::to_vec(&snapshot).unwrap()
    };
    if args.iter().any(|a| a == "--parts") {
        // What each part of the largest snapshot costs, stored (before
        // compression, which works on the whole).
        let value: serde_json::Value = serde_json::from_slice(&largest_json).unwrap();
        let mut parts: Vec<(String, usize)> = Vec::new();
        for (key, part) in value.as_object().unwrap() {
            let json = serde_json::to_vec(part).unwrap();
            parts.push((key.clone(), encode_json(&json).unwrap().len()));
            if let Some(inner) = part.as_object().filter(|_| key == "credentials") {
                for (key, part) in inner {
                    let json = serde_json::to_vec(part).unwrap();
                    parts.push((
                        format!("credentials.{key}"),
                        encode_json(&json).unwrap().len(),
                    ));
                }
            }
        }
        parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        for (key, bytes) in parts.iter().take(16) {
            println!("{bytes:>10} B stored  {key}");
        }
    }
    if let Ok(path) = std::env::var("LOCKER_SNAPSHOT_OUT") {
        std::fs::write(path, &final_snapshot).unwrap();
    }
    println!(
        "final snapshot: {} B stored ({} B before compression), {} B as JSON, {} doors occupied",
        encode_snapshot(&final_snapshot).unwrap().len(),
        encode_json(&final_snapshot).unwrap().len(),
        final_snapshot.len(),
        locker.snapshot().stored.len()
    );
}

/// Keys and strings not in [`NAMES`], by the bytes they cost in the
/// stored records.
fn list_names(records: &[Record<Entry>]) {
    let mut cost: BTreeMap<String, usize> = BTreeMap::new();
    fn walk(value: &serde_json::Value, cost: &mut BTreeMap<String, usize>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    if !NAMES.contains(&key.as_str()) {
                        *cost.entry(key.clone()).or_default() += key.len();
                    }
                    walk(value, cost);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, cost)),
            serde_json::Value::String(text)
                if !NAMES.contains(&text.as_str())
                    && !text.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                *cost.entry(format!("\"{text}\"")).or_default() += text.len();
            }
            _ => {}
        }
    }
    for record in records {
        walk(&serde_json::to_value(&record.entry).unwrap(), &mut cost);
    }
    let mut by_cost: Vec<(String, usize)> = cost.into_iter().collect();
    by_cost.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    for (name, bytes) in by_cost.iter().take(60) {
        println!("{bytes:>10}  {name}");
    }
}
