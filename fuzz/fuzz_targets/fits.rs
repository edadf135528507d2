//! `Dimensions::orientation_within` over arbitrary sizes (any `u32`,
//! including 0 and values far past the validation limits): the orientation
//! it returns must be allowed and must really fit, and it must be the first
//! allowed one that fits; `None` must mean that none fits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::{Dimensions, Orientation};

fuzz_target!(|input: ([u32; 3], [u32; 3], bool)| {
    let ([pw, pd, ph], [sw, sd, sh], this_side_up) = input;
    let parcel = Dimensions::new(pw, pd, ph);
    let space = Dimensions::new(sw, sd, sh);
    let allowed = Orientation::allowed(this_side_up);

    // Every orientation is a permutation of the sides.
    for &orientation in &Orientation::ALL {
        let turned = parcel.oriented(orientation);
        let (mut a, mut b) = (parcel.sides(), turned.sides());
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "{orientation:?} is not a permutation");
        // volume_mm3 is only promised for valid sizes (it multiplies in u64).
        if parcel.validate().is_ok() {
            assert_eq!(turned.volume_mm3(), parcel.volume_mm3());
        }
        if orientation.is_upright() {
            assert_eq!(
                turned.height_mm, parcel.height_mm,
                "{orientation:?} tips the box"
            );
        }
        assert_eq!(
            allowed.contains(&orientation),
            !this_side_up || orientation.is_upright(),
            "{orientation:?} wrongly allowed or forbidden"
        );
    }

    let first_fit = allowed
        .iter()
        .copied()
        .find(|&o| parcel.oriented(o).fits_within(space));
    match parcel.orientation_within(space, this_side_up) {
        Some(orientation) => {
            assert!(
                allowed.contains(&orientation),
                "{orientation:?} not allowed"
            );
            assert!(!this_side_up || orientation.is_upright());
            let placed = parcel.oriented(orientation);
            assert!(placed.width_mm <= space.width_mm);
            assert!(placed.depth_mm <= space.depth_mm);
            assert!(placed.height_mm <= space.height_mm);
            if this_side_up {
                assert_eq!(
                    placed.height_mm, parcel.height_mm,
                    "tipped an upright parcel"
                );
            }
            assert_eq!(Some(orientation), first_fit, "not the first fit");
        }
        None => assert_eq!(first_fit, None, "a fitting orientation was missed"),
    }
});
