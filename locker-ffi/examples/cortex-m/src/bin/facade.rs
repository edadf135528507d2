//! The facade image: a bare-metal locker firmware that runs locker-core's
//! [`Locker`] facade with its JSON journal on flash (locker-core's `serde`
//! feature). It starts a locker (or, with the `restore` feature, restores
//! it from the journal on flash), then serves a drop-off, a pickup and the
//! periodic sweep forever, driven by the kiosk register.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

extern crate alloc;

use alloc::string::String;

use locker_core::allocate::Request;
use locker_core::credential::{CarrierId, KioskId};
#[cfg(not(feature = "flash"))]
use locker_core::hardware::HardwareErrorKind;
use locker_core::journal::JournalSink;
#[cfg(not(feature = "flash"))]
use locker_core::journal::{Record, lines};
use locker_core::locker::{DropOff, Entry, Event, Locker, LockerConfig};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
#[cfg(feature = "flash")]
use locker_cortex_m_footprint::BoardFlash;
use locker_cortex_m_footprint::{Board, emit, halt, kiosk_input, provisioned_keys};
#[cfg(not(feature = "flash"))]
use locker_cortex_m_footprint::{flash_commit, flash_write};

locker_cortex_m_footprint::entry!(serve);

/// The journal on the part's own flash, as JSON lines.
#[cfg(not(feature = "flash"))]
struct Flash;

#[cfg(not(feature = "flash"))]
impl JournalSink<Entry> for Flash {
    type Error = HardwareErrorKind;

    fn append(&mut self, record: &Record<Entry>) -> Result<(), Self::Error> {
        let line = lines::to_line(record);
        flash_write(line.as_bytes());
        flash_write(b"\n");
        flash_commit()
    }
}

/// The locker kept in the flash journal: started on a blank region,
/// restored from the snapshot and records otherwise.
#[cfg(feature = "flash")]
fn open_flash() -> Locker<Board, locker_core::journal::flash::FlashJournal<BoardFlash>> {
    use locker_core::journal::flash::{Flash as _, FlashConfig, FlashJournal};
    let config = FlashConfig::for_capacity(BoardFlash.capacity_bytes());
    let Ok((journal, contents)) = FlashJournal::open::<Entry>(BoardFlash, config) else {
        halt()
    };
    let checks = locker_core::locker::FlashChecks::default();
    match Locker::open_flash(
        LockerConfig::default(),
        provisioned_keys(),
        Board,
        journal,
        &contents,
        checks,
    ) {
        Ok(locker) => locker,
        Err(_) => halt(),
    }
}

/// The locker as restored from the journal on flash, if there is one.
#[cfg(feature = "restore")]
fn restored() -> Option<Locker<Board, Flash>> {
    let text = locker_cortex_m_footprint::stored_journal()?;
    // Parsed and chained here; the restore authenticates every record.
    let trust = locker_core::journal::Trust::integrity_only();
    let loaded = lines::read::<Entry>(text, &trust).ok()?;
    Locker::restore(provisioned_keys(), Board, Flash, &loaded.records).ok()
}

/// Without `restore` the image only writes the journal.
#[cfg(not(any(feature = "restore", feature = "flash")))]
fn restored() -> Option<Locker<Board, Flash>> {
    None
}

#[cfg(feature = "flash")]
fn serve() -> ! {
    run(open_flash())
}

#[cfg(not(feature = "flash"))]
fn serve() -> ! {
    let locker = match restored() {
        Some(locker) => locker,
        None => {
            match Locker::with_keys(LockerConfig::default(), provisioned_keys(), Board, Flash) {
                Ok(locker) => locker,
                Err(_) => halt(),
            }
        }
    };
    run(locker)
}

/// Serves a drop-off, a pickup and the sweep forever, whatever keeps the
/// journal.
fn run<J: JournalSink<Entry>>(mut locker: Locker<Board, J>) -> ! {
    let code = locker
        .issue_courier_code(CarrierId(1), 30 * 86_400)
        .map(|code| String::from(code.expose()))
        .unwrap_or_default();
    loop {
        let input = kiosk_input();
        let kiosk = KioskId(1);
        match input & 0xf {
            1 => {
                if let Ok(session) = locker.courier_sign_in(kiosk, &code) {
                    let size = Dimensions::new(input >> 20, (input >> 10) & 0x3ff, 100);
                    let parcel = Parcel::new(ParcelId(u64::from(input)), size, 1_500);
                    let request = Request::new(parcel, RecipientId(u64::from(input >> 4 & 0xff)));
                    if let Ok(DropOff::Opened { compartment, .. }) =
                        locker.deposit(&session, request)
                    {
                        emit(if compartment.0 > 0 { "opened" } else { "?" });
                    }
                }
            }
            2 => {
                let mut pin = [b'0'; 8];
                for (i, digit) in pin.iter_mut().enumerate() {
                    *digit = b'0' + ((input >> (4 + i * 3)) % 10) as u8;
                }
                let pin = core::str::from_utf8(&pin).unwrap_or_default();
                let unit = Some(RecipientId(u64::from(input >> 28)));
                let _ = locker.pickup_pin(kiosk, unit, pin);
            }
            3 => {
                let _ = locker.door_closed(CompartmentId(input >> 4));
            }
            _ => {
                let _ = locker.tick();
            }
        }
        for event in locker.take_events() {
            match event {
                Event::ParcelReady { pin, .. } => emit(pin.expose()),
                Event::ReturnReady { qr_token, .. } => emit(qr_token.expose()),
                _ => emit("event"),
            }
        }
    }
}
