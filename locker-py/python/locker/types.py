"""Typed shapes of the dicts the package returns where the shape is fixed:
the simulation and the planner, journal verification and restores, heads,
key check values, issuer keys, signed times, the brute-force bound, failed
attempts, the journal on flash, and the events and journal entries of
throttling, drop-offs, the clock and compaction; and :class:`Flash`, the
methods a Python object needs to be the flash of ``Locker.open_flash``.

They are ``TypedDict`` s: at run time the values are plain dicts (the
core's snake_case JSON); these classes only tell type checkers and readers
which keys there are. Every other structured value is typed as
``Dict[str, Any]``: its shape is the core's JSON, documented in the Rust
crate.
"""

from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional, Protocol, TypedDict, Union

if TYPE_CHECKING:
    from locker._locker import KeyRing

__all__ = [
    "AbortCount",
    "Assigned",
    "Assignment",
    "AttemptFailedEntry",
    "AttemptsRefusedEntry",
    "Away",
    "BatchDropOff",
    "BatchOptions",
    "BatchOverflow",
    "BatchPlan",
    "BatchStep",
    "BoundInputs",
    "BoundReport",
    "Building",
    "Carrier",
    "CarrierCount",
    "CarrierStats",
    "Chain",
    "ChannelCounts",
    "ClassCount",
    "ClassStats",
    "ClassUtilization",
    "ClockConfirmedEvent",
    "ClockJumpedEvent",
    "ClockWentBackEvent",
    "CollectedEvent",
    "Compartment",
    "CompartmentSpec",
    "Considered",
    "ConsideredGroup",
    "ConsideredOccupied",
    "Contents",
    "CourierSignedInEntry",
    "CourierSignedOutEntry",
    "CoverageCurve",
    "CurvePoint",
    "DayStats",
    "Delegation",
    "Dimensions",
    "Door",
    "DoorLeftOpenEvent",
    "DoorPosition",
    "DropOff",
    "DropOffAbortedEvent",
    "DwellBucket",
    "DwellStats",
    "DwellSummary",
    "Event",
    "Failure",
    "Flash",
    "FlashReport",
    "FlashUsage",
    "FoundOccupiedEvent",
    "Grant",
    "HardwareFaultEvent",
    "Head",
    "IssuerKey",
    "JournalCompactedEvent",
    "JournalDwell",
    "JournalRead",
    "JournalStats",
    "KeyCheck",
    "LockerSimulation",
    "Lockout",
    "NeedsInspectionEvent",
    "Opened",
    "Outcome",
    "OverflowEvent",
    "OverflowReasons",
    "Overflowed",
    "Packing",
    "Parcel",
    "ParcelProfile",
    "ParcelReadyEvent",
    "ParcelStay",
    "ParcelsMissingEvent",
    "PeakPeriod",
    "PickupAbortedEvent",
    "Placement",
    "Plan",
    "Position",
    "ReceiverGroup",
    "ReminderEvent",
    "RemoteCommand",
    "RemoteRequest",
    "RestoreReport",
    "ReturnReadyEvent",
    "ReturnedEvent",
    "Scope",
    "SignedTime",
    "SimResult",
    "StatsDay",
    "StatsOccupancy",
    "StatsOverflow",
    "StatsPickups",
    "StatsTotals",
    "StatsUtilization",
    "SuspiciousAttemptsEvent",
    "TamperEvent",
    "TokenClaims",
    "TornTail",
    "UnexpectedDoorCloseEvent",
    "Verdict",
    "Verified",
    "ZoneUtilization",
]


# --- the building simulation (``simulate``, ``simulate_locker``, ``plan``) ---


class Dimensions(TypedDict):
    """An outer or inner size, in millimetres."""

    width_mm: int
    depth_mm: int
    height_mm: int


class _ParcelProfileRequired(TypedDict):
    name: str
    size: Dimensions
    weight_g: int
    share: int


class ParcelProfile(_ParcelProfileRequired, total=False):
    """One kind of parcel of a building's ``size_mix``: a name (1 to 32
    bytes), its size and weight, its relative frequency; upright
    (``this_side_up``, default false) and ``zone`` (default
    ``"ambient"``) optional."""

    this_side_up: bool
    zone: Literal["ambient", "chilled", "frozen"]


class DwellBucket(TypedDict):
    """A share of parcels collected within ``up_to_h`` hours (from the
    previous bucket's bound)."""

    up_to_h: int
    share: int


class PeakPeriod(TypedDict):
    """Days busier (or quieter) than their month and weekday: from
    ``first_day_of_year`` (0 is 1 January) for ``days`` days, at
    ``factor_percent`` of an ordinary day (150: half as much again)."""

    name: str
    first_day_of_year: int
    days: int
    factor_percent: int


class _CarrierRequired(TypedDict):
    name: str
    share: int
    rounds: List[int]


class Carrier(_CarrierRequired, total=False):
    """A carrier: its relative ``share`` of the parcels, the hours of its
    ``rounds`` (0 to 23, increasing) and, optionally, its own
    ``size_shares`` (one per ``size_mix`` profile; empty or absent: the
    size mix's shares)."""

    size_shares: List[int]


class ReceiverGroup(TypedDict):
    """A relative ``share`` of the units that receive parcels at a relative
    ``rate`` (rates are normalized to keep the building's mean)."""

    share: int
    rate: int


class Away(TypedDict, total=False):
    """Residents away from home (every field optional): trips a unit makes
    a year, their shortest and longest days, and the percent of trips with
    a hold on the parcels."""

    trips_per_unit_per_year: float
    min_days: int
    max_days: int
    hold_percent: int


class Building(TypedDict, total=False):
    """A building and how parcels come to it (``Building`` in the core):
    the input of :func:`locker.simulate`, :func:`locker.simulate_locker`,
    :func:`locker.plan` and :func:`locker.coverage_curve`, every field
    optional (missing fields take :func:`locker.default_building`'s
    values); :func:`locker.default_building` returns every field. Lists
    of weights are relative (any scale): ``weekday_weights`` Monday to
    Sunday (7), ``hour_weights`` and ``collection_hour_weights`` by hour
    (24), ``season`` January to December (12). A bad field raises
    :class:`locker.SimError` naming it (``carriers[0].rounds[1]``, ...)."""

    units: int
    parcels_per_unit_per_month: float
    size_mix: List[ParcelProfile]
    dwell: List[DwellBucket]
    weekday_weights: List[int]
    hour_weights: List[int]
    season: List[int]
    peaks: List[PeakPeriod]
    growth_percent_per_year: float
    start_day_of_year: int
    carriers: List[Carrier]
    collection_hour_weights: List[int]
    receivers: List[ReceiverGroup]
    away: Away
    extension_percent: int
    extension_h: int
    max_dwell_h: int
    accessible_units_percent: int
    dwell_limit_h: int
    chilled_dwell_limit_h: int
    days: int
    start_weekday: int
    seed: int


class ClassStats(TypedDict):
    """What happened to one size class of doors in a simulation."""

    size_class: str
    doors: int
    utilization: float
    peak_occupied: int
    parcels: int


class CarrierStats(TypedDict):
    """What one carrier brought (``name`` is ``""`` for a building without
    carriers), and how much of it found no door."""

    name: str
    arrivals: int
    overflow: int


class DwellStats(TypedDict):
    """Hours parcels spent in the bank."""

    count: int
    mean_h: float
    median_h: float
    p90_h: float
    p95_h: float
    max_h: float


class DayStats(TypedDict):
    """One simulated day: parcels delivered, overflowed, collected and
    returned, and the most doors occupied (first reached at ``peak_hour``)."""

    day: int
    weekday: int
    arrivals: int
    overflow: int
    collected: int
    returned: int
    peak_occupied: int
    peak_hour: int


class SimResult(TypedDict):
    """What :func:`locker.simulate` returns: ``arrivals == placed +
    overflow``; ``overflow_full`` is the overflow more doors would cure;
    ``occupancy_by_hour`` the mean doors occupied at each hour of day
    (24); ``peak_at_h`` hours from the start."""

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
    extensions: int
    holds: int
    peak_occupancy: int
    peak_at_h: float
    occupancy_by_hour: List[float]
    utilization: float
    classes: List[ClassStats]
    carriers: List[CarrierStats]
    dwell: DwellStats
    daily: List[DayStats]


class LockerSimulation(TypedDict):
    """What :func:`locker.simulate_locker` returns: the statistics, the
    locker's journal as JSON-lines text, and the site keys that sign it
    (a :class:`locker.KeyRing`, for ``verify_journal(journal, keys)``)."""

    result: SimResult
    journal: str
    keys: "KeyRing"


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
    overflow_rate: float
    seed_overflow_rates: List[float]
    result_seed: int
    result: SimResult
    evaluations: int
    config: Dict[str, Any]


class CurvePoint(TypedDict):
    """One coverage of a :class:`CoverageCurve`: the doors at the request's
    percentile of simulated years (``doors``, ``counts``), the doors that
    meet it in 10, 50 and 90 % of the years, and the overflow rates of the
    years at ``doors``; ``None`` where ``max_doors`` does not suffice."""

    coverage: float
    target_overflow_rate: float
    doors: Optional[int]
    counts: List[ClassCount]
    doors_p10: Optional[int]
    doors_p50: Optional[int]
    doors_p90: Optional[int]
    overflow_p10: Optional[float]
    overflow_p50: Optional[float]
    overflow_p90: Optional[float]


class CoverageCurve(TypedDict):
    """What :func:`locker.coverage_curve` returns."""

    seeds: int
    percentile: float
    points: List[CurvePoint]
    evaluations: int


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
    hash (64 hex digits), and its MAC (``key_id``, ``mac``: 32 hex digits,
    over the sequence number and the hash; absent for a version-1 record).
    ``bank_id`` names the bank whose journal it is: there in a locker's
    head, absent in a bare record's (``verify_journal``'s ``head``); not
    under the MAC. Pass it back as ``expected_head``: a journal of another
    bank is then refused (``bank_mismatch``)."""

    key_id: int
    mac: str
    bank_id: int


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
    """The hardware clock jumped ahead of the time lived (beyond what the
    board's uptime counter says passed, with a small allowance; without
    one, more than ``clock.max_step_s``): the excess is held back until
    confirmed. Each jump restarts the running that confirms the clock."""

    type: Literal["clock_jumped"]
    clock_s: int
    locker_s: int
    held_s: int


class ClockConfirmedEvent(TypedDict):
    """The locker's time is the clock's again; ``by`` is ``"staff"``,
    ``"signed_time"``, ``"running"`` or ``"returned"``."""

    type: Literal["clock_confirmed"]
    by: Literal["staff", "signed_time", "running", "returned"]
    now_s: int


class UnexpectedDoorCloseEvent(TypedDict):
    """A door the locker had not unlocked was reported closed: an alarm."""

    type: Literal["unexpected_door_close"]
    compartment: int


class BoundInputs(TypedDict):
    """What the brute-force bound assumes of the policy: PIN digits, what is
    asked with the PIN (``"none"``, or ``{"unit_number":
    {"max_pins_per_unit": 3}}``), the active PINs, and the PIN guesses the
    bank-wide throttle allows in any 24 hours."""

    pin_digits: int
    second_factor: Union[str, Dict[str, Dict[str, int]]]
    active_credentials: int
    attempts_per_24h: int


class BoundReport(TypedDict):
    """What :func:`locker.brute_force_bound` returns: the bound on the
    chance that a guesser opens any door within 24 hours (``probability``,
    and ``per_billion`` rounded up), the policy's target (per billion), the
    inputs, and the attacker the bound assumes (a sentence)."""

    probability: float
    per_billion: int
    target_per_billion: int
    inputs: BoundInputs
    attacker: str


class _FailureRequired(TypedDict):
    at_s: int
    channel: str
    kiosk: Optional[int]
    recipient: Optional[int]
    credential: Optional[int]


class Failure(_FailureRequired, total=False):
    """One attempt that failed (``CredentialError.failure`` when it counts
    toward throttling, ``CredentialError.attempt`` either way; the
    ``failure`` of an ``attempt_failed`` record). ``channel`` is ``"pin"``,
    ``"qr"``, ``"rfid"``, ``"courier"`` or ``"remote"``; ``carrier`` is
    there when a courier named theirs."""

    carrier: int


class Scope(TypedDict):
    """A throttling scope: a channel and what its failures are counted
    against, ``"bank"``, ``"other_kiosks"`` (kiosks beyond the 32 of a
    channel slowed one by one: made-up kiosk ids share it) or one of
    ``{"kiosk": id}``, ``{"recipient": unit}``, ``{"carrier": id}``,
    ``{"credential": id}``."""

    channel: str
    subject: Union[Literal["bank", "other_kiosks"], Dict[str, int]]


class Lockout(TypedDict):
    """A scope that started refusing attempts (a backoff delay or its cap)
    at ``at_s``, until ``until_s`` unless more failures come, with the
    failures inside its window."""

    scope: Scope
    at_s: int
    until_s: int
    failures: int


class SuspiciousAttemptsEvent(TypedDict):
    """A throttle started refusing: someone may be guessing. For a unit's
    PINs (``{"channel": "pin", "subject": {"recipient": unit}}``) send that
    resident their QR code, which a PIN throttle never blocks."""

    type: Literal["suspicious_attempts"]
    lockout: Lockout


class ParcelReadyEvent(TypedDict):
    """A parcel is ready: send the recipient the PIN and the QR token (both
    secret). ``parcel_ids`` are the door's parcels, oldest first;
    ``carrier`` that of its first parcel; ``pin_opens`` every door the PIN
    opens (more than this one when the resident held as many PINs as the
    policy allows: the new PIN replaces their earlier ones, and keeps
    opening the doors not collected yet as each of the others is). The QR
    token ends in a secret only its record checks: it opens at this
    locker, and ``verify_token_offline`` refuses it."""

    type: Literal["parcel_ready"]
    recipient: int
    compartment: int
    parcels: int
    parcel_ids: List[int]
    carrier: Optional[int]
    pin: str
    pin_opens: List[int]
    qr_token: str
    expires_at_s: int


class OverflowEvent(TypedDict):
    """No door could take a courier's parcel (journaled as
    ``deposit_overflowed``): it goes to the front desk or another bank.
    ``reason`` is ``"full"``, ``"nothing_fits"`` or ``"no_larger_door"``."""

    type: Literal["overflow"]
    parcel: int
    recipient: int
    carrier: int
    reason: Literal["nothing_fits", "full", "no_larger_door"]


class AttemptFailedEntry(TypedDict):
    """A journal entry: one attempt that counts toward throttling."""

    type: Literal["attempt_failed"]
    failure: Failure


class AttemptsRefusedEntry(TypedDict):
    """A journal entry: ``count`` attempts refused without counting toward
    a throttle (refused by one already, keypad input that is no PIN at
    all, or a credential that verified but was refused for its own state),
    of one channel, kiosk and error code, between ``first_at_s`` and
    ``last_at_s``: at most one such record per channel, kiosk and error
    every 10 minutes (flushed by ``Locker.tick()``), so a flood costs
    bounded storage and every attempt is on the record. ``kiosk`` is
    ``None`` for remote commands, and for the sum of attempts from kiosks
    beyond the 32 summed one by one (made-up kiosk ids)."""

    type: Literal["attempts_refused"]
    channel: str
    kiosk: Optional[int]
    error: str
    count: int
    first_at_s: int
    last_at_s: int


class CourierSignedInEntry(TypedDict):
    """A journal entry: a courier of ``carrier`` signed in at ``kiosk``."""

    type: Literal["courier_signed_in"]
    carrier: int
    kiosk: int


class CourierSignedOutEntry(TypedDict):
    """A journal entry: a courier of ``carrier`` signed out."""

    type: Literal["courier_signed_out"]
    carrier: int
    kiosk: int


class Flash(Protocol):
    """What ``Locker.open_flash`` needs of a Python object to keep the
    journal in it: a region of raw flash. ``capacity_bytes`` (an even
    number of erase blocks) and ``erase_block_bytes`` are read once, when
    the locker opens it. ``write`` programs bits from 1 to 0 only, as NOR
    flash does (the journal writes only where it erased); ``erase`` sets
    whole erase blocks back to 0xFF. A failure is an exception: ``write``
    and ``erase`` return ``None`` (anything else is taken as a failure),
    ``read`` exactly ``length`` bytes. :class:`locker.MemoryFlash` is one."""

    @property
    def capacity_bytes(self) -> int: ...
    @property
    def erase_block_bytes(self) -> int: ...
    def read(self, offset: int, length: int) -> Union[bytes, bytearray]: ...
    def write(self, offset: int, data: bytes) -> None: ...
    def erase(self, offset: int, length: int) -> None: ...


class FlashUsage(TypedDict):
    """Where a journal stands in its flash (``Locker.flash_usage()``): the
    region and each half, the bytes written in the active half (header,
    snapshot, records), its snapshot's bytes (0 before the first
    compaction) and records, and ``generation``, the compactions since
    the region was formatted."""

    capacity_bytes: int
    half_bytes: int
    used_bytes: int
    snapshot_bytes: int
    records: int
    generation: int


class FlashReport(TypedDict):
    """What ``Locker.open_flash`` found (``Locker.flash_report()``): ``new``
    when the flash held no journal (a locker was made), ``formatted`` when
    the region was blank (the new locker's first record formatted it), the
    bytes the snapshot the records continue takes in the flash (``None``
    before the first compaction), the records after it, and
    ``torn_bytes``, a frame a power cut left unfinished, dropped (it was
    never acknowledged)."""

    new: bool
    formatted: bool
    snapshot_bytes: Optional[int]
    records: int
    torn_bytes: Optional[int]


class JournalCompactedEvent(TypedDict):
    """The journal was compacted: its storage continues from a snapshot of
    the state after record ``through_seq`` (``None`` for an empty
    journal). On flash, the records before it stay in the other half until
    the next compaction: export ``Locker.previous_records()`` now.
    ``snapshot_bytes`` is the size of the snapshot as the journal took it:
    on flash its storage encoding, compressed (the ``snapshot_bytes`` of
    ``Locker.flash_usage()``), otherwise its JSON."""

    type: Literal["journal_compacted"]
    through_seq: Optional[int]
    snapshot_bytes: int


class CollectedEvent(TypedDict):
    """A resident collected ``parcels`` from ``compartment``."""

    type: Literal["collected"]
    recipient: int
    compartment: int
    parcels: List[int]


class ReminderEvent(TypedDict):
    """A parcel waits at ``compartment``: remind the recipient before
    ``expires_at_s``."""

    type: Literal["reminder"]
    recipient: int
    compartment: int
    expires_at_s: int


class ReturnReadyEvent(TypedDict):
    """A parcel kept too long is ready to go back: send the carrier's
    courier the ``qr_token`` (secret)."""

    type: Literal["return_ready"]
    recipient: int
    carrier: int
    compartment: int
    qr_token: str
    expires_at_s: int


class ReturnedEvent(TypedDict):
    """A courier took ``parcels`` back from ``compartment``."""

    type: Literal["returned"]
    carrier: int
    compartment: int
    parcels: List[int]


class DropOffAbortedEvent(TypedDict):
    """A drop-off at ``compartment`` was abandoned, for ``reason``."""

    type: Literal["drop_off_aborted"]
    compartment: int
    parcel: int
    reason: Literal[
        "door_fault", "nothing_inserted", "too_small", "cancelled", "power_loss", "still_inside", "never_opened"
    ]


class PickupAbortedEvent(TypedDict):
    """A pickup at ``compartment`` ended with the parcels still inside."""

    type: Literal["pickup_aborted"]
    compartment: int


class DoorLeftOpenEvent(TypedDict):
    """A door has stayed open too long."""

    type: Literal["door_left_open"]
    compartment: int


class HardwareFaultEvent(TypedDict):
    """The hardware failed (at ``compartment``, when it was one door's)."""

    type: Literal["hardware_fault"]
    compartment: Optional[int]
    kind: Literal[
        "door_jammed",
        "unknown_door",
        "sensor_fault",
        "bus_timeout",
        "clock_fault",
        "entropy_unavailable",
        "power_lost",
        "other",
    ]
    detail: Optional[str]


class TamperEvent(TypedDict):
    """A door opened that the locker had not unlocked."""

    type: Literal["tamper"]
    compartment: int


class ParcelsMissingEvent(TypedDict):
    """A door that should hold ``parcels`` was found empty."""

    type: Literal["parcels_missing"]
    recipient: Optional[int]
    compartment: int
    parcels: List[int]


class FoundOccupiedEvent(TypedDict):
    """A door that should be empty holds something."""

    type: Literal["found_occupied"]
    compartment: int


class NeedsInspectionEvent(TypedDict):
    """A door is out of use until staff have looked at it."""

    type: Literal["needs_inspection"]
    compartment: int


class ClockWentBackEvent(TypedDict):
    """The hardware clock went back to ``clock_s``: the locker keeps
    ``kept_s``, its time never goes back."""

    type: Literal["clock_went_back"]
    clock_s: int
    kept_s: int


#: What ``Locker.take_events()`` returns, one of these by ``type``: compare
#: ``event["type"]`` to narrow it (``if event["type"] == "parcel_ready":
#: event["pin"]``). Events carry secrets (PINs, QR tokens): treat them so.
Event = Union[
    ParcelReadyEvent,
    CollectedEvent,
    ReminderEvent,
    ReturnReadyEvent,
    ReturnedEvent,
    DropOffAbortedEvent,
    PickupAbortedEvent,
    DoorLeftOpenEvent,
    SuspiciousAttemptsEvent,
    OverflowEvent,
    HardwareFaultEvent,
    TamperEvent,
    ParcelsMissingEvent,
    FoundOccupiedEvent,
    NeedsInspectionEvent,
    ClockWentBackEvent,
    ClockJumpedEvent,
    ClockConfirmedEvent,
    UnexpectedDoorCloseEvent,
    JournalCompactedEvent,
]


# --- credentials and doors (``CredentialStore.verify_*``, ``Locker``) --------


class _GrantRequired(TypedDict):
    credential_id: int
    channel: Literal["pin", "qr", "rfid", "courier", "remote"]
    purpose: Literal["pickup", "courier_drop_off", "staff"]
    compartments: List[int]
    recipient: Optional[int]
    carrier: Optional[int]
    single_use: bool


class Grant(_GrantRequired, total=False):
    """What a verified credential allows (``CredentialStore.verify_pin``,
    ``verify_token``, ``verify_courier``, ``verify_remote``): the doors it
    opens, for whom, until when; a ``single_use`` grant is spent by
    ``CredentialStore.redeem`` once its door opened. ``expires_at_s`` is
    absent for an RFID tag registered without an end."""

    expires_at_s: int


class Delegation(TypedDict):
    """A delegated PIN to pass on (secret), and its credential id to revoke
    it early (``Locker.revoke_credential``)."""

    pin: str
    credential_id: int


class DoorPosition(TypedDict):
    """Where a door is in the bank's grid."""

    column: int
    row: int


class Door(TypedDict):
    """One door for display (``Locker.doors()``): its configuration and
    what is happening at it; ``task`` is what an open door is open for."""

    id: int
    label: str
    size_class: str
    zone: Literal["ambient", "chilled", "frozen"]
    accessible: bool
    position: DoorPosition
    inner: Dimensions
    state: Literal["free", "occupied", "open", "grace", "out_of_service", "needs_inspection"]
    task: Optional[Literal["deposit", "pickup", "staff", "reopen"]]
    recipient: Optional[int]
    parcels: int
    expires_at_s: Optional[int]
    returning: bool


class RemoteRequest(TypedDict):
    """What a remote command asks (``sign_remote_command``): open
    ``compartment`` of bank ``bank`` for ``purpose`` (and ``recipient``),
    between ``not_before_s`` and ``not_after_s``."""

    bank: int
    compartment: int
    purpose: Literal["pickup", "courier_drop_off", "staff"]
    recipient: Optional[int]
    not_before_s: int
    not_after_s: int


class _RemoteCommandRequired(TypedDict):
    request: RemoteRequest
    nonce: int
    key_id: int


class RemoteCommand(_RemoteCommandRequired, total=False):
    """A signed remote command (``sign_remote_command``,
    ``sign_remote_command_ed25519``), for ``Locker.open_remote`` or
    ``CredentialStore.verify_remote``: a ``tag`` (HMAC under a site key,
    hex) or a ``signature`` (a back end's Ed25519 key), never both."""

    tag: str
    signature: str


# --- allocation (``Bank.allocate``, ``Locker.deposit``) ------------------------


class _ParcelRequired(TypedDict):
    id: int
    size: Dimensions
    weight_g: int


class Parcel(_ParcelRequired, total=False):
    """A parcel as the core's JSON has it (the optional keys default to
    ``False``, ``"ambient"`` and ``"standard"``)."""

    this_side_up: bool
    zone: Literal["ambient", "chilled", "frozen"]
    handling: Literal["standard", "cash_on_delivery", "id_check"]


class Position(TypedDict):
    """A corner of a parcel inside a door, in millimetres."""

    x_mm: int
    y_mm: int
    z_mm: int


class Placement(TypedDict):
    """Where a parcel sits in a door, and which way up (``orientation``
    names the axes the parcel's width, depth and height lie along)."""

    parcel: int
    position: Position
    orientation: Literal["wdh", "dwh", "whd", "hwd", "dhw", "hdw"]
    extent: Dimensions


class _VerdictRequired(TypedDict):
    verdict: Literal[
        "chosen",
        "wrong_zone",
        "not_accessible",
        "too_heavy",
        "too_small",
        "none_free",
        "reserved",
        "mixed_handling",
        "no_room_beside",
        "out_of_service",
    ]


class Verdict(_VerdictRequired, total=False):
    """Why allocation took (``"chosen"``) or passed over a door or group of
    doors; the keys beside ``verdict`` are its details: ``zone`` for
    ``wrong_zone``, ``load_g`` and ``max_weight_g`` for ``too_heavy``,
    ``usable`` for ``too_small``, ``free`` and ``reserve`` for ``reserved``."""

    zone: Literal["ambient", "chilled", "frozen"]
    load_g: int
    max_weight_g: int
    usable: Dimensions
    free: int
    reserve: int


class ConsideredOccupied(TypedDict):
    """The recipient's occupied door, looked at first."""

    kind: Literal["occupied"]
    compartment: int
    verdict: Verdict


class ConsideredGroup(TypedDict):
    """A group of free doors of one shape (``shape`` numbers the bank's
    distinct door shapes)."""

    kind: Literal["group"]
    shape: int
    inner: Dimensions
    free_doors: int
    verdict: Verdict


#: What allocation looked at, in order, by ``kind``.
Considered = Union[ConsideredOccupied, ConsideredGroup]


class Assigned(TypedDict):
    """``Bank.allocate`` found a door: ``compartment``, where the parcel
    sits in it, the rule that chose it, and what was looked at."""

    outcome: Literal["assigned"]
    parcel: Parcel
    recipient: int
    compartment: int
    placement: Placement
    rule: Literal["consolidated", "smallest_fit", "next_larger_free", "packed"]
    considered: List[Considered]


class Overflowed(TypedDict):
    """No door could take the parcel (``Bank.allocate``, ``Locker.deposit``):
    ``reason``, and what was looked at."""

    outcome: Literal["overflow"]
    parcel: Parcel
    recipient: int
    reason: Literal["nothing_fits", "full", "no_larger_door"]
    considered: List[Considered]


#: What ``Bank.allocate`` returns, by ``outcome``.
Outcome = Union[Assigned, Overflowed]


class Opened(TypedDict):
    """``Locker.deposit`` opened ``compartment`` for the parcel."""

    outcome: Literal["opened"]
    compartment: int
    placement: Placement
    rule: Literal["consolidated", "smallest_fit", "next_larger_free", "packed"]


#: What ``Locker.deposit`` and ``Locker.need_larger_door`` return, by
#: ``outcome``: a door opened, or an overflow.
DropOff = Union[Opened, Overflowed]


class Packing(TypedDict):
    """Parcels packed into a space: where each sits."""

    space: Dimensions
    placements: List[Placement]


class Contents(TypedDict):
    """What a door holds (``Bank.release`` returns it): whose parcels, and
    how they are packed."""

    recipient: int
    parcels: List[Parcel]
    packing: Packing


class CompartmentSpec(TypedDict):
    """A door of a bank configuration, every field present."""

    id: int
    label: str
    size_class: str
    inner: Dimensions
    max_weight_g: int
    zone: Literal["ambient", "chilled", "frozen"]
    accessible: bool
    position: DoorPosition
    operable_height_mm: Optional[int]


class Compartment(TypedDict):
    """One door of a bank at run time (``Bank.compartments()``): its
    configuration, the space inside less the clearance, and what it holds."""

    spec: CompartmentSpec
    usable: Dimensions
    in_service: bool
    free: bool
    contents: Optional[Contents]


class Assignment(TypedDict):
    """A parcel of a batch plan and the door it goes to."""

    parcel: Parcel
    recipient: int
    compartment: int
    placement: Placement
    rule: Literal["consolidated", "smallest_fit", "next_larger_free", "packed"]
    considered: List[Considered]


class BatchOverflow(TypedDict):
    """A parcel of a batch plan no door could take."""

    parcel: Parcel
    recipient: int
    reason: Literal["nothing_fits", "full", "no_larger_door"]
    considered: List[Considered]


class BatchPlan(TypedDict):
    """A courier's whole load, planned (``Bank.plan_batch``)."""

    assignments: List[Assignment]
    overflow: List[BatchOverflow]
    strategy: Literal["grouped", "arrival_order", "packed"]


class BatchOptions(TypedDict, total=False):
    """How ``Bank.plan_batch_packed`` and ``Locker.plan_drop_off_batch``
    search: the packer's budget in placement attempts (default 20,000) and
    the seed of its restarts (default 0)."""

    max_iterations: int
    seed: int


class BatchStep(TypedDict):
    """One parcel of a planned drop-off and the door it goes into;
    ``Locker.deposit_planned`` takes it back as given."""

    parcel: Parcel
    recipient: int
    needs_accessible: bool
    compartment: int
    placement: Placement
    rule: Literal["consolidated", "smallest_fit", "next_larger_free", "packed"]


class BatchDropOff(TypedDict):
    """A courier's load planned against the free doors
    (``Locker.plan_drop_off_batch``): the steps door by door, the parcels
    no door takes, how it was planned and how many doors it uses."""

    steps: List[BatchStep]
    overflow: List[BatchOverflow]
    strategy: Literal["grouped", "arrival_order", "packed"]
    doors: int


# --- journal analytics (``journal_stats``, ``parcel_stays``) -----------------


class StatsTotals(TypedDict):
    """Where the parcels went (``JournalStats["totals"]``): ``parcels_offered
    == parcels_stored + parcels_overflowed`` and ``parcels_in_bank_at_start +
    parcels_stored == parcels_collected + parcels_returned + parcels_missing
    + parcels_in_bank_at_end``."""

    parcels_offered: int
    parcels_stored: int
    parcels_stored_by_inspection: int
    parcels_consolidated: int
    consolidation_rate: float
    parcels_overflowed: int
    parcels_collected: int
    parcels_returned: int
    parcels_missing: int
    parcels_in_bank_at_start: int
    parcels_in_bank_at_end: int
    deposits_opened: int
    deposits_aborted: List["AbortCount"]
    deposits_found_empty: int
    deliveries_expired: int


class AbortCount(TypedDict):
    """Drop-offs called off for one reason (``"cancelled"``, ``"too_small"``, ...)."""

    reason: str
    count: int


class OverflowReasons(TypedDict):
    """Overflowed parcels per reason."""

    nothing_fits: int
    full: int
    no_larger_door: int


class CarrierCount(TypedDict):
    """Parcels of one carrier."""

    carrier: int
    count: int


class StatsOverflow(TypedDict):
    """Parcels no door could take (hours of day local, hour 0 first)."""

    total: int
    by_reason: OverflowReasons
    by_hour_of_day: List[int]
    by_carrier: List[CarrierCount]
    rate: float


class StatsOccupancy(TypedDict):
    """Doors holding parcels: time-weighted means, and the peak."""

    doors: int
    mean_occupied_doors: float
    mean_occupied_doors_by_hour: List[float]
    observed_s_by_hour: List[int]
    peak_occupied_doors: int
    peak_at_s: int


class DwellSummary(TypedDict):
    """A distribution of stays, in hours; ``histogram`` has one count more
    than ``JournalDwell["bucket_bounds_h"]``."""

    count: int
    mean_h: float
    median_h: float
    p90_h: float
    p95_h: float
    max_h: float
    histogram: List[int]


class JournalDwell(TypedDict):
    """Stays of the parcels collected and returned, separately and together."""

    collected: DwellSummary
    returned: DwellSummary
    all: DwellSummary
    bucket_bounds_h: List[int]


class ClassUtilization(TypedDict):
    """The time-weighted occupied fraction of one size class."""

    size_class: str
    doors: int
    occupied_fraction: float


class ZoneUtilization(TypedDict):
    """The time-weighted occupied fraction of one temperature zone."""

    zone: Literal["ambient", "chilled", "frozen"]
    doors: int
    occupied_fraction: float


class StatsUtilization(TypedDict):
    """Time-weighted occupied fractions, 0 to 1."""

    all: float
    by_size_class: List[ClassUtilization]
    by_zone: List[ZoneUtilization]


class ChannelCounts(TypedDict):
    """A count per credential channel."""

    pin: int
    qr: int
    rfid: int
    courier: int
    remote: int


class StatsPickups(TypedDict):
    """Doors emptied by residents (pickups) and by carriers (returns)."""

    pickups: int
    pickups_by_channel: ChannelCounts
    pickups_by_hour_of_day: List[int]
    returns: int
    returns_by_hour_of_day: List[int]


class StatsDay(TypedDict):
    """One local day of a journal."""

    day: int
    start_s: int
    stored: int
    overflowed: int
    pickups: int
    peak_occupied_doors: int


class JournalStats(TypedDict):
    """What :func:`locker.journal_stats` returns (the core's
    ``analytics::JournalStats``)."""

    records: int
    first_at_s: int
    last_at_s: int
    utc_offset_s: int
    observed_from_s: int
    observed_until_s: int
    totals: StatsTotals
    overflow: StatsOverflow
    occupancy: StatsOccupancy
    dwell: JournalDwell
    utilization: StatsUtilization
    pickups: StatsPickups
    days: List[StatsDay]


class ParcelStay(TypedDict):
    """One parcel stored, as :func:`locker.parcel_stays` lists it."""

    parcel: int
    recipient: int
    carrier: int
    compartment: int
    size_class: str
    stored_at_s: int
    left_at_s: Optional[int]
    outcome: Literal["collected", "returned", "missing", "in_bank"]
    stay_s: Optional[int]
