"""Typed shapes of the dicts the package returns where the shape is fixed:
the simulation and the planner, journal verification and restores, heads,
key check values, issuer keys, signed times and the trust events.

They are ``TypedDict`` s: at run time the values are plain dicts (the
core's snake_case JSON); these classes only tell type checkers and readers
which keys there are. Every other structured value is typed as
``Dict[str, Any]``: its shape is the core's JSON, documented in the Rust
crate.
"""

from typing import Any, Dict, List, Literal, Optional, TypedDict

__all__ = [
    "Chain",
    "ClassCount",
    "ClassStats",
    "ClockConfirmedEvent",
    "ClockJumpedEvent",
    "DayStats",
    "DwellStats",
    "Head",
    "IssuerKey",
    "JournalRead",
    "KeyCheck",
    "Plan",
    "RestoreReport",
    "SignedTime",
    "SimResult",
    "TokenClaims",
    "TornTail",
    "UnexpectedDoorCloseEvent",
    "Verified",
]


class ClassStats(TypedDict):
    """What happened to one size class of doors in a simulation."""

    size_class: str
    doors: int
    utilization: float
    peak_occupied: int
    parcels: int


class DwellStats(TypedDict):
    """Hours parcels spent in the bank."""

    count: int
    mean_h: float
    median_h: float
    p90_h: float
    max_h: float


class DayStats(TypedDict):
    """One simulated day."""

    day: int
    weekday: int
    arrivals: int
    overflow: int
    peak_occupied: int


class SimResult(TypedDict):
    """What :func:`locker.simulate` returns."""

    days: int
    doors: int
    arrivals: int
    placed: int
    consolidated: int
    overflow: int
    overflow_full: int
    overflow_nothing_fits: int
    overflow_rate: float
    picked_up: int
    expired: int
    peak_occupancy: int
    utilization: float
    classes: List[ClassStats]
    dwell: DwellStats
    daily: List[DayStats]


class ClassCount(TypedDict):
    """Doors of one class in a plan."""

    size_class: str
    count: int
    price: float


class Plan(TypedDict):
    """What :func:`locker.plan` returns; ``config`` is a bank configuration."""

    counts: List[ClassCount]
    doors: int
    cost: float
    result: SimResult
    evaluations: int
    config: Dict[str, Any]


class KeyCheck(TypedDict):
    """A site key's id and check value (16 hex digits): tells the key from
    another with the same id, reveals nothing of the secret."""

    key_id: int
    check: str


class _HeadRequired(TypedDict):
    seq: int
    hash: str


class Head(_HeadRequired, total=False):
    """A journal's last record (``Locker.head()``): its sequence number and
    hash (64 hex digits), and its MAC (``key_id``, ``mac``: 32 hex digits;
    absent for a version-1 record). Pass it back as ``expected_head``."""

    key_id: int
    mac: str


class Chain(TypedDict):
    """Where a journal stands: the next record's sequence number and the
    last record's hash."""

    next_seq: int
    head: str


class Verified(TypedDict):
    """What :func:`locker.verify_journal` verified. ``authenticated_through``
    is the last record whose MAC was checked (it vouches for every record
    before it): ``None`` without keys (integrity only) or for legacy
    records only."""

    chain: Chain
    authenticated_through: Optional[int]
    legacy_records: int
    head: Optional[Head]


class TornTail(TypedDict):
    """A last line cut short by a power loss, left out."""

    line: int
    bytes: int


class JournalRead(TypedDict):
    """What :func:`locker.read_journal` returns; ``records`` are record
    dicts (``v``, ``seq``, ``at_s``, ``prev``, ``entry``, ``hash``,
    ``key_id``, ``mac``)."""

    records: List[Dict[str, Any]]
    torn_tail: Optional[TornTail]
    valid_bytes: int
    verified: Verified


class RestoreReport(TypedDict):
    """What ``Locker.restore`` found (``Locker.restore_report()``).
    ``unauthenticated_legacy`` is true when legacy (version-1) records were
    accepted that no MAC vouches for; ``keys_recorded`` when the restore
    journaled the ring (``keys_changed``)."""

    records: int
    snapshot_through: Optional[int]
    authenticated_through: Optional[int]
    legacy_records: int
    unauthenticated_legacy: bool
    counter: Optional[int]
    keys_recorded: bool


class IssuerKey(TypedDict):
    """A back end's Ed25519 public key (64 hex digits), as a bank's
    ``credentials.issuers`` lists it. Not secret."""

    key_id: int
    public_key: str


class _SignedTimeRequired(TypedDict):
    bank: int
    time_s: int
    key_id: int


class SignedTime(_SignedTimeRequired, total=False):
    """A time a back end vouches for, for one bank: a site-key ``tag`` (64
    hex digits) or an Ed25519 ``signature`` (128 hex digits)."""

    tag: str
    signature: str


class TokenClaims(TypedDict):
    """A QR token's checked fields (:func:`locker.verify_token_offline`).
    ``signer`` is ``"site"`` (an HMAC tag) or ``"issuer"`` (Ed25519)."""

    version: int
    key_id: int
    signer: str
    credential_id: int
    purpose: str
    recipient: Optional[int]
    compartments: List[int]
    issued_at_s: int
    expires_at_s: int


class ClockJumpedEvent(TypedDict):
    """The hardware clock jumped ahead more than ``clock.max_step_s``: the
    excess is held back until confirmed."""

    type: Literal["clock_jumped"]
    clock_s: int
    locker_s: int
    held_s: int


class ClockConfirmedEvent(TypedDict):
    """The locker's time is the clock's again; ``by`` is ``"staff"``,
    ``"signed_time"``, ``"running"`` or ``"returned"``."""

    type: Literal["clock_confirmed"]
    by: str
    now_s: int


class UnexpectedDoorCloseEvent(TypedDict):
    """A door the locker had not unlocked was reported closed: an alarm."""

    type: Literal["unexpected_door_close"]
    compartment: int
