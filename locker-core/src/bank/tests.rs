use super::*;
use alloc::string::{String, ToString};
use alloc::vec;

fn spec(id: u32, class: &str, inner: Dimensions, column: u16, row: u16) -> CompartmentSpec {
    CompartmentSpec {
        id: CompartmentId(id),
        label: alloc::format!("{class}{id}"),
        size_class: String::from(class),
        inner,
        max_weight_g: 25_000,
        zone: TemperatureZone::Ambient,
        accessible: true,
        position: DoorPosition { column, row },
        operable_height_mm: None,
    }
}

fn config(compartments: Vec<CompartmentSpec>) -> BankConfig {
    BankConfig {
        name: String::from("test"),
        clearance_mm: 10,
        ada_compliant: false,
        policy: AllocationPolicy::default(),
        compartments,
    }
}

fn two_doors() -> BankConfig {
    config(vec![
        spec(1, "A", Dimensions::new(380, 640, 80), 0, 0),
        spec(2, "C", Dimensions::new(380, 640, 410), 0, 1),
    ])
}

fn parcel(id: u64, w: u32, d: u32, h: u32) -> Parcel {
    Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 1_000)
}

#[test]
fn validation_rejects_each_kind_of_nonsense() {
    let good = two_doors();
    assert!(good.validate().is_ok());

    let mut c = good.clone();
    c.compartments.clear();
    assert_eq!(c.validate(), Err(ConfigError::EmptyBank));

    let mut c = good.clone();
    c.compartments[1].id = CompartmentId(1);
    assert_eq!(
        c.validate(),
        Err(ConfigError::DuplicateId {
            id: CompartmentId(1)
        })
    );

    let mut c = good.clone();
    c.compartments[1].label = c.compartments[0].label.clone();
    assert!(matches!(
        c.validate(),
        Err(ConfigError::DuplicateLabel { .. })
    ));

    let mut c = good.clone();
    c.compartments[1].position = c.compartments[0].position;
    assert!(matches!(
        c.validate(),
        Err(ConfigError::DuplicatePosition { .. })
    ));

    let mut c = good.clone();
    c.compartments[0].size_class = String::new();
    assert!(matches!(
        c.validate(),
        Err(ConfigError::BadText {
            field: "size_class",
            ..
        })
    ));

    let mut c = good.clone();
    c.compartments[0].inner.height_mm = 0;
    let error = c.validate().unwrap_err();
    assert!(matches!(error, ConfigError::BadSize { .. }));
    assert!(error.to_string().contains("inner.height_mm"), "{error}");

    let mut c = good.clone();
    c.compartments[1].inner.width_mm = 38_000;
    let error = c.validate().unwrap_err();
    assert!(error.to_string().contains("38000"), "{error}");

    let mut c = good.clone();
    c.compartments[0].max_weight_g = 0;
    let error = c.validate().unwrap_err();
    assert!(matches!(error, ConfigError::BadWeight { .. }));
    assert!(error.to_string().contains("max_weight_g"), "{error}");

    let mut c = good.clone();
    c.clearance_mm = 500;
    assert_eq!(
        c.validate(),
        Err(ConfigError::ClearanceTooLarge { clearance_mm: 500 })
    );

    let mut c = good.clone();
    c.clearance_mm = 80;
    assert!(matches!(
        c.validate(),
        Err(ConfigError::NoUsableSpace { .. })
    ));

    let mut c = good.clone();
    c.compartments[0].operable_height_mm = Some(1_500);
    let error = c.validate().unwrap_err();
    assert!(matches!(error, ConfigError::AccessibleMismatch { .. }));
    assert!(error.to_string().contains("outside"), "{error}");
}

#[test]
fn ada_rule_is_checked_as_written() {
    // 40 doors: 5 % is 2 accessible, and each size class needs one.
    let mut compartments = Vec::new();
    for i in 0..40_u16 {
        let class = if i < 20 { "A" } else { "B" };
        let mut s = spec(
            u32::from(i) + 1,
            class,
            Dimensions::new(380, 640, 190),
            i,
            0,
        );
        s.accessible = false;
        compartments.push(s);
    }
    let mut c = config(compartments);
    c.ada_compliant = true;
    assert_eq!(
        c.validate(),
        Err(ConfigError::AdaTooFewAccessible {
            accessible: 0,
            total: 40,
            required: 2
        })
    );
    c.compartments[0].accessible = true;
    c.compartments[1].accessible = true;
    assert_eq!(
        c.validate(),
        Err(ConfigError::AdaSizeClassWithoutAccessible {
            size_class: String::from("B")
        })
    );
    c.compartments[1].accessible = false;
    c.compartments[30].accessible = true;
    assert_eq!(c.validate(), Ok(()));
    // The same bank without the claim is valid with no accessible door.
    for s in &mut c.compartments {
        s.accessible = false;
    }
    c.ada_compliant = false;
    assert_eq!(c.validate(), Ok(()));
    // 41 doors need 3 (5 % rounded up).
    c.ada_compliant = true;
    c.compartments[0].accessible = true;
    c.compartments[30].accessible = true;
    c.compartments
        .push(spec(41, "B", Dimensions::new(380, 640, 190), 41, 0));
    c.compartments[40].accessible = false;
    assert!(matches!(
        c.validate(),
        Err(ConfigError::AdaTooFewAccessible { required: 3, .. })
    ));
}

#[cfg(feature = "serde")]
#[test]
fn json_errors_name_the_place_and_field() {
    let error = BankConfig::from_json("{\"name\": \"x\", ").unwrap_err();
    assert!(
        matches!(error, ConfigError::Json { line: 1, .. }),
        "{error}"
    );
    let error =
        BankConfig::from_json(r#"{"name":"x","compartments":[],"colour":"red"}"#).unwrap_err();
    assert!(error.to_string().contains("colour"), "{error}");
    let error = BankConfig::from_json(r#"{"name":"x","compartments":[]}"#).unwrap_err();
    assert_eq!(error, ConfigError::EmptyBank);
    let json = default_bank().to_json();
    assert_eq!(BankConfig::from_json(&json).unwrap(), default_bank());
}

#[test]
fn store_and_release_keep_the_index_true() {
    let mut bank = Bank::new(two_doors()).unwrap();
    assert_eq!(bank.free_count(), 2);
    let p = parcel(1, 300, 200, 60);
    let placement = bank.store(CompartmentId(1), RecipientId(5), p).unwrap();
    assert_eq!(placement.parcel, ParcelId(1));
    assert_eq!(bank.free_count(), 1);
    assert_eq!(bank.locate(ParcelId(1)), Some(CompartmentId(1)));
    assert_eq!(
        bank.compartments_of(RecipientId(5)).collect::<Vec<_>>(),
        vec![CompartmentId(1)]
    );
    let contents = bank.release(CompartmentId(1)).unwrap();
    assert_eq!(contents.recipient, RecipientId(5));
    assert_eq!(contents.parcels, vec![p]);
    assert_eq!(bank.free_count(), 2);
    assert_eq!(bank.locate(ParcelId(1)), None);
    assert_eq!(bank.compartments_of(RecipientId(5)).count(), 0);
    assert_eq!(bank, Bank::new(two_doors()).unwrap());
}

#[test]
fn every_refused_store_changes_nothing() {
    let mut bank = Bank::new(two_doors()).unwrap();
    bank.store(CompartmentId(2), RecipientId(5), parcel(1, 300, 300, 100))
        .unwrap();
    let before = bank.clone();
    let cases: Vec<(CompartmentId, RecipientId, Parcel)> = vec![
        (CompartmentId(9), RecipientId(5), parcel(2, 10, 10, 10)),
        (CompartmentId(2), RecipientId(6), parcel(2, 10, 10, 10)),
        (
            CompartmentId(2),
            RecipientId(5),
            parcel(2, 10, 10, 10).with_handling(Handling::CashOnDelivery),
        ),
        (
            CompartmentId(1),
            RecipientId(5),
            parcel(2, 10, 10, 10).in_zone(TemperatureZone::Chilled),
        ),
        (CompartmentId(1), RecipientId(5), parcel(2, 300, 300, 100)),
        (CompartmentId(1), RecipientId(5), parcel(1, 10, 10, 10)),
        (CompartmentId(1), RecipientId(5), parcel(2, 0, 10, 10)),
        (
            CompartmentId(1),
            RecipientId(5),
            Parcel {
                weight_g: 30_000,
                ..parcel(2, 10, 10, 10)
            },
        ),
    ];
    let mut kinds = Vec::new();
    for (compartment, recipient, p) in cases {
        let error = bank.store(compartment, recipient, p).unwrap_err();
        kinds.push(core::mem::discriminant(&error));
        assert!(!error.to_string().is_empty());
        assert_eq!(bank, before, "{error} changed the bank");
    }
    kinds.sort_by_key(|k| alloc::format!("{k:?}"));
    kinds.dedup();
    assert_eq!(kinds.len(), 8, "each case is a different error");
    assert_eq!(
        bank.release(CompartmentId(1)),
        Err(BankError::Empty {
            compartment: CompartmentId(1)
        })
    );
    bank.set_in_service(CompartmentId(1), false).unwrap();
    assert_eq!(
        bank.store(CompartmentId(1), RecipientId(5), parcel(3, 10, 10, 10)),
        Err(BankError::OutOfService {
            compartment: CompartmentId(1)
        })
    );
}

#[test]
fn out_of_service_doors_leave_the_free_index() {
    let mut bank = Bank::new(two_doors()).unwrap();
    bank.set_in_service(CompartmentId(1), false).unwrap();
    assert_eq!(bank.free_count(), 1);
    bank.set_in_service(CompartmentId(1), false).unwrap();
    assert_eq!(bank.free_count(), 1);
    bank.set_in_service(CompartmentId(1), true).unwrap();
    assert_eq!(bank.free_count(), 2);
    assert_eq!(
        bank.set_in_service(CompartmentId(7), true),
        Err(BankError::UnknownCompartment {
            compartment: CompartmentId(7)
        })
    );
}

#[test]
fn shapes_group_identical_doors_smallest_first() {
    let bank = Bank::new(default_bank()).unwrap();
    let volumes: Vec<u64> = bank
        .shapes()
        .iter()
        .map(|s| s.inner().volume_mm3())
        .collect();
    let mut sorted = volumes.clone();
    sorted.sort_unstable();
    assert_eq!(volumes, sorted);
    let doors: u32 = bank.shapes().iter().map(Shape::door_count).sum();
    assert_eq!(doors as usize, bank.compartments().len());
    assert!(bank.shapes().len() < 20);
    let largest: Vec<&str> = bank
        .shapes()
        .iter()
        .filter(|s| s.largest_in_zone())
        .map(|s| s.size_class())
        .collect();
    assert!(largest.contains(&"XL"));
}

#[test]
fn displays_name_the_values() {
    let error = BankError::TooHeavy {
        compartment: CompartmentId(3),
        load_g: 26_000,
        max_weight_g: 25_000,
    };
    assert_eq!(
        error.to_string(),
        "compartment #3 would carry 26000 g, more than its 25000 g limit"
    );
}

#[cfg(feature = "serde")]
#[test]
fn a_compartment_shows_its_spec_as_configured_and_its_state() {
    let config = two_doors();
    let mut bank = Bank::new(config.clone()).unwrap();
    bank.store(CompartmentId(1), RecipientId(5), parcel(9, 300, 200, 50))
        .unwrap();
    bank.set_in_service(CompartmentId(2), false).unwrap();
    let shown = serde_json::to_value(bank.compartments()).unwrap();
    let doors = shown.as_array().unwrap();
    assert_eq!(doors.len(), 2);
    for (door, spec) in doors.iter().zip(&config.compartments) {
        assert_eq!(door.as_object().unwrap().len(), 5);
        assert_eq!(door["spec"], serde_json::to_value(spec).unwrap());
    }
    let text = serde_json::to_string(&bank.compartments()[1]).unwrap();
    assert!(
        text.starts_with(r#"{"spec":{"id":2,"#)
            && text.ends_with(r#""in_service":false,"free":false,"contents":null}"#),
        "{text}"
    );
    // Usable is the inner size less the bank's 10 mm clearance.
    assert_eq!(
        doors[0]["usable"],
        serde_json::json!({"width_mm": 370, "depth_mm": 630, "height_mm": 70})
    );
    assert_eq!(doors[0]["in_service"], true);
    assert_eq!(doors[0]["free"], false);
    assert_eq!(doors[0]["contents"]["recipient"], 5);
    assert_eq!(doors[0]["contents"]["parcels"][0]["id"], 9);
    assert_eq!(doors[1]["in_service"], false);
    assert_eq!(doors[1]["free"], false);
    assert_eq!(doors[1]["contents"], serde_json::Value::Null);
}
