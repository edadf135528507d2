//! Events as JSON for C: one array of objects tagged by `"type"`, in
//! snake_case like every other binding.

use alloc::string::String;
use alloc::vec::Vec;

use locker_core::locker::Event;
use zeroize::Zeroize;

/// The events as a JSON array (`[]` when there are none).
///
/// The text may hold PINs and tokens: it is built in one buffer sized up
/// front, so no partial copies are left behind by growth, and the caller
/// wipes it when done (`locker_string_free`).
///
/// Without `std` serde_json has no writer to aim at a buffer of ours; its
/// own buffer's growth leaves copies in freed blocks, which the bare-metal
/// allocator wipes on free (`bare_metal`).
pub(crate) fn to_json(events: &[Event]) -> String {
    // The core's one JSON shape for events; plain data always serializes.
    #[cfg(feature = "std")]
    let mut buffer = {
        let mut buffer = Vec::with_capacity(256 + 256 * events.len());
        let _ = serde_json::to_writer(&mut buffer, events);
        buffer
    };
    #[cfg(not(feature = "std"))]
    let mut buffer = serde_json::to_vec(events).unwrap_or_default();
    if buffer.len() == buffer.capacity() {
        // Make room for the NUL the C string adds ourselves, wiping the old
        // buffer, rather than let a reallocation leave a copy behind.
        let mut roomy = Vec::with_capacity(buffer.len() + 1);
        roomy.extend_from_slice(&buffer);
        buffer.zeroize();
        buffer = roomy;
    }
    String::from_utf8(buffer).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use locker_core::CompartmentId;
    use locker_core::hardware::HardwareErrorKind;

    #[test]
    fn events_are_tagged_snake_case() {
        let events = [
            Event::Tamper {
                compartment: CompartmentId(3),
            },
            Event::HardwareFault {
                compartment: None,
                kind: HardwareErrorKind::DoorJammed,
                detail: None,
            },
        ];
        assert_eq!(
            to_json(&events),
            r#"[{"type":"tamper","compartment":3},{"type":"hardware_fault","compartment":null,"kind":"door_jammed","detail":null}]"#
        );
        assert_eq!(to_json(&[]), "[]");
    }

    #[test]
    fn an_overflow_names_the_parcel_the_recipient_the_carrier_and_why() {
        use locker_core::allocate::OverflowReason;
        use locker_core::credential::CarrierId;
        use locker_core::{ParcelId, RecipientId};
        let events = [Event::Overflow {
            parcel: ParcelId(300),
            recipient: RecipientId(21),
            carrier: CarrierId(1),
            reason: OverflowReason::NothingFits,
        }];
        assert_eq!(
            to_json(&events),
            r#"[{"type":"overflow","parcel":300,"recipient":21,"carrier":1,"reason":"nothing_fits"}]"#
        );
    }
}
