//! The typed columns of one entry, read from its JSON text without
//! building the entry: the fields the columns need are read, the rest is
//! skipped.

use alloc::borrow::Cow;

use serde::Deserialize;

use crate::schema::{CHANNELS, KINDS};

/// What the typed columns hold for one entry.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Columns<'a> {
    /// Code into [`KINDS`].
    pub(crate) kind: i8,
    pub(crate) door: Option<u32>,
    pub(crate) recipient: Option<u64>,
    pub(crate) parcel: Option<u64>,
    pub(crate) carrier: Option<u32>,
    /// Code into [`CHANNELS`].
    pub(crate) channel: Option<i8>,
    pub(crate) outcome: Option<Cow<'a, str>>,
}

/// The fields of any entry kind the columns read; serde skips the others.
#[derive(Deserialize)]
pub(crate) struct Fields<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    compartment: Option<u32>,
    recipient: Option<u64>,
    carrier: Option<u32>,
    parcel: Option<ParcelFields>,
    #[serde(borrow)]
    grant: Option<GrantFields<'a>>,
    #[serde(borrow)]
    failure: Option<FailureFields<'a>>,
    #[serde(borrow)]
    channel: Option<Cow<'a, str>>,
    /// An abort's or an overflow's reason, or staff's words.
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    /// The code of refused attempts.
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
    /// A hardware fault's kind (no other entry has a `kind` of its own:
    /// credential records nest theirs).
    #[serde(rename = "kind", borrow)]
    fault_kind: Option<Cow<'a, str>>,
    found_parcels: Option<bool>,
}

#[derive(Deserialize)]
struct ParcelFields {
    id: u64,
}

#[derive(Deserialize)]
struct GrantFields<'a> {
    #[serde(borrow)]
    channel: Cow<'a, str>,
    compartments: Vec<u32>,
    recipient: Option<u64>,
    carrier: Option<u32>,
}

#[derive(Deserialize)]
struct FailureFields<'a> {
    #[serde(borrow)]
    channel: Cow<'a, str>,
    recipient: Option<u64>,
}

/// Kinds whose `reason` is a code; elsewhere it is staff's own words,
/// which stay in the entry.
const CODED_REASONS: [&str; 3] = ["deposit_aborted", "pickup_aborted", "deposit_overflowed"];

/// The columns of the entry `json`.
///
/// # Errors
///
/// A message when the text is not an entry object, or names a kind or a
/// channel this schema version does not know.
pub(crate) fn columns(json: &str) -> Result<Columns<'_>, String> {
    columns_of(serde_json::from_str(json).map_err(|e| e.to_string())?)
}

/// The columns of an entry read as [`Fields`].
///
/// # Errors
///
/// A message when the entry names a kind or a channel this schema version
/// does not know.
pub(crate) fn columns_of(fields: Fields<'_>) -> Result<Columns<'_>, String> {
    let kind = code(&KINDS, &fields.kind)
        .ok_or_else(|| format!("unknown entry kind {:?}", fields.kind))?;
    let grant = fields.grant.as_ref();
    let channel_name = grant
        .map(|g| &g.channel)
        .or(fields.failure.as_ref().map(|f| &f.channel))
        .or(fields.channel.as_ref());
    let channel = match channel_name {
        Some(name) => {
            Some(code(&CHANNELS, name).ok_or_else(|| format!("unknown channel {name:?}"))?)
        }
        None => None,
    };
    let outcome = if CODED_REASONS.contains(&fields.kind.as_ref()) {
        fields.reason
    } else {
        fields
            .error
            .or(fields.fault_kind)
            .or_else(|| fields.found_parcels.map(found_parcels))
    };
    Ok(Columns {
        kind,
        door: fields.compartment.or_else(|| match grant {
            Some(GrantFields { compartments, .. }) if compartments.len() == 1 => {
                compartments.first().copied()
            }
            _ => None,
        }),
        recipient: fields
            .recipient
            .or(grant.and_then(|g| g.recipient))
            .or(fields.failure.as_ref().and_then(|f| f.recipient)),
        parcel: fields.parcel.map(|p| p.id),
        carrier: fields.carrier.or(grant.and_then(|g| g.carrier)),
        channel,
        outcome,
    })
}

const fn found_parcels(found: bool) -> Cow<'static, str> {
    Cow::Borrowed(if found {
        "parcels_found"
    } else {
        "found_empty"
    })
}

/// `name`'s position in `names`, as a dictionary code.
fn code(names: &[&str], name: &str) -> Option<i8> {
    names
        .iter()
        .position(|n| *n == name)
        .and_then(|i| i8::try_from(i).ok())
}
