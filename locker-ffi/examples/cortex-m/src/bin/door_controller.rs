//! The door controller image: the real work of a locker with locker-core
//! built without default features (no `serde`, no `std`, no `qr`) and
//! without the journal facade.
//!
//! At boot it builds the default bank, takes the site keys and issues the
//! carrier's courier code. Then, driven by the kiosk register forever:
//!
//! 1. **Drop-off.** The courier types the code; it is verified, the bank
//!    allocates a compartment for the parcel and the board unlocks it.
//! 2. **Door closed.** When the courier closes the door with a parcel
//!    inside, the bank stores it and the recipient gets a PIN and a QR
//!    token for it.
//! 3. **Pickup by PIN** or 4. **by QR token.** The credential is verified,
//!    the door unlocked, the credential redeemed and the compartment
//!    released.
//! 5. Anything else: the periodic prune of expired credentials.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

extern crate alloc;

use alloc::vec;

use chacha20::ChaCha20Rng;
use locker_core::allocate::Request;
use locker_core::bank::{Bank, default_bank};
use locker_core::credential::{
    BankId, COURIER_CODE_DIGITS, CarrierId, CourierRequest, CredentialPolicy, CredentialStore,
    DEFAULT_PIN_DIGITS, Grant, KeyRing, KioskId, MAX_TOKEN_CHARS, PinAttempt, PinRequest, Purpose,
    Refusal, TokenRequest, issue_token,
};
use locker_core::hardware::{DoorState, Hardware, Occupancy};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use locker_cortex_m_footprint::{Board, emit, halt, kiosk_input, provisioned_keys, read_keypad};
use rand_core::SeedableRng;

locker_cortex_m_footprint::entry!(run);

/// This bank: QR tokens name it, and open nothing at another.
const BANK: BankId = BankId(1);
/// This kiosk.
const KIOSK: KioskId = KioskId(1);
/// The one carrier this locker knows.
const CARRIER: CarrierId = CarrierId(1);
/// How long a courier code is valid: 30 days.
const COURIER_CODE_S: u64 = 30 * 86_400;
/// How long a recipient has to collect a parcel: 3 days.
const PICKUP_WINDOW_S: u64 = 3 * 86_400;
/// How often expired credentials are pruned: every minute.
const PRUNE_EVERY_S: u64 = 60;

/// A door unlocked for a drop-off, waiting for the courier to close it.
struct Pending {
    compartment: CompartmentId,
    recipient: RecipientId,
    parcel: Parcel,
}

/// Everything the controller keeps: the board, the keys, the bank and the
/// credentials.
struct DoorController {
    board: Board,
    keys: KeyRing,
    bank: Bank,
    store: CredentialStore,
    pending: Option<Pending>,
    last_prune_s: u64,
}

impl DoorController {
    /// Builds the default bank and an empty credential store.
    fn boot() -> Option<Self> {
        let mut controller = Self {
            board: Board,
            keys: provisioned_keys(),
            bank: Bank::new(default_bank()).ok()?,
            store: CredentialStore::new(CredentialPolicy::default()).ok()?,
            pending: None,
            last_prune_s: 0,
        };
        controller.last_prune_s = controller.now()?;
        Some(controller)
    }

    fn now(&mut self) -> Option<u64> {
        self.board.now_s().ok()
    }

    /// A CSPRNG seeded from the board's TRNG for one operation.
    fn rng(&mut self) -> Option<ChaCha20Rng> {
        let mut seed = [0_u8; 32];
        self.board.fill_random(&mut seed).ok()?;
        Some(ChaCha20Rng::from_seed(seed))
    }

    /// Issues the carrier's courier code and shows it (a real locker would
    /// send it to the carrier's back office).
    fn issue_courier_code(&mut self) -> Option<()> {
        let now_s = self.now()?;
        let mut rng = self.rng()?;
        let request = CourierRequest {
            carrier: CARRIER,
            valid_from_s: now_s,
            expires_at_s: now_s + COURIER_CODE_S,
        };
        let (code, record) = self
            .store
            .generate_courier_code(&self.keys, &mut rng, &request, now_s)
            .ok()?;
        self.store.insert(record, now_s).ok()?;
        emit(code.expose());
        Some(())
    }

    /// Feeds a refused credential to the throttle.
    fn refused(&mut self, refusal: &Refusal) {
        if let Some(failure) = &refusal.failure {
            self.store.record_failure(failure);
        }
        emit("refused");
    }

    /// A courier's drop-off: code, allocation, unlock.
    fn drop_off(&mut self, input: u32) -> Option<()> {
        if self.pending.is_some() {
            emit("busy");
            return None;
        }
        let now_s = self.now()?;
        let mut typed = [0_u8; COURIER_CODE_DIGITS as usize];
        let code = read_keypad(&mut typed);
        if let Err(refusal) = self.store.verify_courier(&self.keys, KIOSK, code, now_s) {
            self.refused(&refusal);
            return None;
        }
        let size = Dimensions::new(input >> 20, (input >> 10) & 0x3ff, 100);
        let parcel = Parcel::new(ParcelId(u64::from(input)), size, 1_500);
        let recipient = RecipientId(u64::from((input >> 4) & 0xff));
        let outcome = self.bank.allocate(&Request::new(parcel, recipient)).ok()?;
        let Some(assignment) = outcome.assignment() else {
            emit("overflow");
            return None;
        };
        let compartment = assignment.compartment;
        if self.board.unlock(compartment).is_err() {
            // Jammed: take the door out of service until staff look at it.
            let _ = self.bank.set_in_service(compartment, false);
            emit("jammed");
            return None;
        }
        self.pending = Some(Pending {
            compartment,
            recipient,
            parcel,
        });
        emit("open");
        Some(())
    }

    /// The courier closed the door: store the parcel if it is inside, then
    /// issue the recipient's PIN and QR token.
    fn door_closed(&mut self) -> Option<()> {
        let pending = self.pending.take()?;
        let door = pending.compartment;
        if self.board.door_state(door).ok()? != DoorState::Closed {
            self.pending = Some(pending);
            return None;
        }
        if self.board.occupancy(door).ok()? != Occupancy::Occupied {
            // The courier left without the parcel going in: nothing stored.
            emit("empty");
            return None;
        }
        self.bank
            .store(door, pending.recipient, pending.parcel)
            .ok()?;
        let now_s = self.now()?;
        let mut rng = self.rng()?;
        let expires_at_s = now_s + PICKUP_WINDOW_S;
        let request = PinRequest {
            recipient: pending.recipient,
            compartments: vec![door],
            purpose: Purpose::Pickup,
            expires_at_s,
        };
        let (pin, record) = self
            .store
            .generate_pin(&self.keys, &mut rng, &request, now_s)
            .ok()?;
        self.store.insert(record, now_s).ok()?;
        emit(pin.expose());
        let request = TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: vec![door],
            recipient: Some(pending.recipient),
            expires_at_s,
        };
        let (token, record) = issue_token(&self.keys, &mut rng, &request, now_s).ok()?;
        // With its record in the store, a pickup by PIN spends the token too.
        self.store.insert(record, now_s).ok()?;
        emit(token.expose());
        Some(())
    }

    /// A recipient typed their unit and PIN.
    fn pickup_pin(&mut self, input: u32) -> Option<()> {
        let now_s = self.now()?;
        let mut typed = [0_u8; DEFAULT_PIN_DIGITS as usize];
        let attempt = PinAttempt {
            kiosk: KIOSK,
            unit: Some(RecipientId(u64::from((input >> 4) & 0xff))),
            pin: read_keypad(&mut typed),
            purpose: Purpose::Pickup,
        };
        let verdict = self.store.verify_pin(&self.keys, &attempt, now_s);
        self.hand_over(verdict, now_s)
    }

    /// A recipient showed their QR token to the scanner.
    fn pickup_qr(&mut self) -> Option<()> {
        let now_s = self.now()?;
        let mut scanned = [0_u8; MAX_TOKEN_CHARS];
        let text = read_keypad(&mut scanned);
        let verdict =
            self.store
                .verify_token(&self.keys, BANK, KIOSK, text, Purpose::Pickup, now_s);
        self.hand_over(verdict, now_s)
    }

    /// Opens the doors a verified credential allows, then redeems it and
    /// releases the compartments. A door that does not unlock keeps its
    /// parcel, and the credential stays valid.
    fn hand_over(&mut self, verdict: Result<Grant, Refusal>, now_s: u64) -> Option<()> {
        let grant = match verdict {
            Ok(grant) => grant,
            Err(refusal) => {
                self.refused(&refusal);
                return None;
            }
        };
        for &door in &grant.compartments {
            if self.board.unlock(door).is_err() {
                let _ = self.bank.set_in_service(door, false);
                emit("jammed");
                return None;
            }
        }
        self.store.redeem(&grant, now_s).ok()?;
        for &door in &grant.compartments {
            if let Ok(contents) = self.bank.release(door) {
                emit(if contents.parcels.is_empty() {
                    "?"
                } else {
                    "collected"
                });
            }
        }
        Some(())
    }

    /// Drops expired and spent credentials, once a minute.
    fn tick(&mut self) -> Option<()> {
        let now_s = self.now()?;
        if now_s < self.last_prune_s.saturating_add(PRUNE_EVERY_S) {
            return None;
        }
        self.last_prune_s = now_s;
        if !self.store.prune_expired(now_s).is_empty() {
            emit("pruned");
        }
        Some(())
    }
}

fn run() -> ! {
    let Some(mut controller) = DoorController::boot() else {
        halt()
    };
    if controller.issue_courier_code().is_none() {
        halt();
    }
    loop {
        let input = kiosk_input();
        let _ = match input & 0xf {
            1 => controller.drop_off(input),
            2 => controller.door_closed(),
            3 => controller.pickup_pin(input),
            4 => controller.pickup_qr(),
            _ => controller.tick(),
        };
    }
}
