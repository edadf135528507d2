use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use crate::allocate::{Considered, Outcome, Overflow, OverflowReason, Verdict};
use crate::bank::ShapeId;
use crate::credential::{CarrierId, CredentialKind, DelegationScope, Tag};
use crate::{Dimensions, Parcel, ParcelId, RecipientId};

fn tag(byte: u8) -> Tag {
    Tag([byte; 32])
}

fn kinds() -> impl Strategy<Value = CredentialKind> {
    let tags = any::<u8>().prop_map(tag);
    prop_oneof![
        (tags.clone(), tags.clone()).prop_map(|(lookup_tag, unique_tag)| CredentialKind::Pin {
            lookup_tag,
            unique_tag
        }),
        (tags.clone(), tags.clone(), any::<bool>()).prop_map(|(lookup_tag, unique_tag, all)| {
            CredentialKind::DelegatedPin {
                lookup_tag,
                unique_tag,
                scope: if all {
                    DelegationScope::AllParcels
                } else {
                    DelegationScope::Parcels
                },
            }
        }),
        proptest::option::of(tags.clone())
            .prop_map(|secret_digest| CredentialKind::Token { secret_digest }),
        (tags.clone(), proptest::option::of(tags.clone()))
            .prop_map(|(uid_tag, pin_tag)| CredentialKind::Rfid { uid_tag, pin_tag }),
        (any::<u32>(), tags).prop_map(|(carrier, code_tag)| CredentialKind::Courier {
            carrier: CarrierId(carrier),
            code_tag
        }),
    ]
}

/// The object's fields as `(key, value)` JSON texts, in written order.
fn fields(object: &str) -> Vec<(String, String)> {
    let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(object).unwrap();
    let mut fields: Vec<(String, String)> = value
        .iter()
        .map(|(key, value)| (key.clone(), value.to_string()))
        .collect();
    // The map sorts its keys; put the tag back first, where it was written.
    fields.sort_by_key(|(key, _)| *key != "type");
    fields
}

fn object(fields: &[(String, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}:{value}", serde_json::to_string(key).unwrap()))
        .collect();
    format!("{{{}}}", body.join(","))
}

proptest! {
    /// What the serializer writes reads back, whatever the order of the
    /// fields after the tag; the tag anywhere else is refused.
    #[test]
    fn tag_first_objects_read_back_in_any_field_order(kind in kinds(), turn in 0_usize..8) {
        let written = serde_json::to_string(&kind).unwrap();
        prop_assert!(written.starts_with(r#"{"type":"#), "{}", written);
        prop_assert_eq!(&serde_json::from_str::<CredentialKind>(&written).unwrap(), &kind);

        let mut fields = fields(&written);
        let rest = fields.len() - 1;
        if rest > 1 {
            fields[1..].rotate_left(turn % rest);
        }
        let reordered = object(&fields);
        prop_assert_eq!(&serde_json::from_str::<CredentialKind>(&reordered).unwrap(), &kind);

        if rest > 0 {
            fields.rotate_left(1);
            let error = serde_json::from_str::<CredentialKind>(&object(&fields)).unwrap_err();
            prop_assert!(
                error.to_string().contains("the first field must be `type`"),
                "{}",
                error
            );
        }
    }
}

#[test]
fn a_missing_misplaced_or_unknown_tag_is_named() {
    for missing in ["{}", r#"{"pin_tag":null}"#] {
        let error = serde_json::from_str::<CredentialKind>(missing).unwrap_err();
        assert!(
            error.to_string().contains("the first field must be `type`"),
            "{error}"
        );
    }
    let unknown = serde_json::from_str::<CredentialKind>(r#"{"type":"barcode"}"#).unwrap_err();
    assert!(
        unknown.to_string().contains("unknown variant `barcode`"),
        "{unknown}"
    );
    let not_object = serde_json::from_str::<CredentialKind>(r#""token""#).unwrap_err();
    assert!(
        not_object.to_string().contains("first field is `type`"),
        "{not_object}"
    );
    let missing_field =
        serde_json::from_str::<CredentialKind>(r#"{"type":"rfid","pin_tag":null}"#).unwrap_err();
    assert!(
        missing_field
            .to_string()
            .contains("missing field `uid_tag`"),
        "{missing_field}"
    );
}

#[test]
fn variants_without_fields_refuse_any_field() {
    use crate::locker::Entry;
    let error = serde_json::from_str::<Entry>(r#"{"type":"pruned","note":[1,{"a":2}]}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `note`"), "{error}");
    let error = serde_json::from_str::<CredentialKind>(r#"{"type":"token","recipient":13}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `recipient`"), "{error}");
    assert_eq!(
        serde_json::from_str::<CredentialKind>(r#"{"type":"token"}"#).unwrap(),
        CredentialKind::Token {
            secret_digest: None
        }
    );
}

#[test]
fn newtype_variants_and_nested_tags_read_back() {
    let outcome = Outcome::Overflow(Overflow {
        parcel: Parcel::new(ParcelId(7), Dimensions::new(100, 200, 300), 900),
        recipient: RecipientId(12),
        reason: OverflowReason::Full,
        considered: vec![Considered::Group {
            shape: ShapeId(1),
            inner: Dimensions::new(400, 400, 400),
            free_doors: 0,
            verdict: Verdict::TooHeavy {
                load_g: 900,
                max_weight_g: 500,
            },
        }],
    });
    let written = serde_json::to_string(&outcome).unwrap();
    assert!(
        written.starts_with(r#"{"outcome":"overflow","#),
        "{written}"
    );
    assert!(written.contains(r#"{"kind":"group","#), "{written}");
    assert!(written.contains(r#"{"verdict":"too_heavy","#), "{written}");
    assert_eq!(serde_json::from_str::<Outcome>(&written).unwrap(), outcome);
}

#[test]
fn a_second_tag_is_refused_whatever_the_variant() {
    // Readers that keep the last of two equal keys (JSON.parse, Python's
    // json) would see another variant than this reader: refused, as
    // serde's derive refused it.
    let tag = "ab".repeat(32);
    for text in [
        String::from(r#"{"type":"token","type":"pin"}"#),
        format!(r#"{{"type":"courier","carrier":1,"type":"token","code_tag":"{tag}"}}"#),
    ] {
        let error = serde_json::from_str::<CredentialKind>(&text).unwrap_err();
        assert!(
            error.to_string().contains("duplicate field `type`"),
            "{text}: {error}"
        );
    }
    // A journal entry edited to name another change after its own.
    let entry = r#"{"type":"pickup_completed","compartment":3,"type":"reopened"}"#;
    let error = serde_json::from_str::<crate::locker::Entry>(entry).unwrap_err();
    assert!(
        error.to_string().contains("duplicate field `type`"),
        "{error}"
    );
    let outcome = r#"{"outcome":"overflow","outcome":"assigned"}"#;
    let error = serde_json::from_str::<Outcome>(outcome).unwrap_err();
    assert!(
        error.to_string().contains("duplicate field `outcome`"),
        "{error}"
    );
}
