"""Type stubs for the native module ``locker._locker``.

Kept in step with ``locker-py/src`` by ``mypy.stubtest`` in CI. Structured
values are dicts shaped like the core's snake_case JSON.
"""

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union, final

from locker.types import (
    BatchDropOff,
    BatchOptions,
    BatchPlan,
    BatchStep,
    BoundReport,
    Building,
    Compartment,
    Contents,
    CoverageCurve,
    Delegation,
    Door,
    DropOff,
    Event,
    Failure,
    Flash,
    FlashReport,
    FlashUsage,
    Grant,
    Head,
    IssuerKey,
    JournalRead,
    JournalStats,
    KeyCheck,
    Lockout,
    LockerSimulation,
    Outcome,
    ParcelStay,
    Placement,
    Plan,
    RemoteCommand,
    RestoreReport,
    SignedTime,
    SimResult,
    TokenClaims,
    Verified,
)

__all__ = [
    "AllocationError",
    "ArgumentTypeError",
    "Bank",
    "BankError",
    "ConfigError",
    "CourierSessionHandle",
    "CredentialError",
    "CredentialStore",
    "GeometryError",
    "HardwareError",
    "InfeasibleError",
    "InvalidArgumentError",
    "IssuerSigningKey",
    "JournalError",
    "JournalTable",
    "KeyRing",
    "Locker",
    "LockerError",
    "MemoryFlash",
    "OperationError",
    "PackError",
    "QrError",
    "SIGNED_TIME_SKEW_S",
    "SimError",
    "SimulatedHardware",
    "__version__",
    "_debug_build",
    "bank_config_from_json",
    "bank_config_to_json",
    "brute_force_bound",
    "compose_bank",
    "coverage_curve",
    "default_bank",
    "default_building",
    "default_classes",
    "fits",
    "issue_recorded_token",
    "issue_token",
    "issue_token_signed",
    "journal_stats",
    "lower_bound",
    "pack",
    "pack_bins",
    "pack_into",
    "parcel_stays",
    "plan",
    "qr_svg",
    "read_journal",
    "read_journal_arrow",
    "read_journals_arrow",
    "replay",
    "sign_remote_command",
    "sign_remote_command_ed25519",
    "sign_time",
    "sign_time_ed25519",
    "simulate",
    "simulate_locker",
    "validate_bank_config",
    "verify_journal",
    "verify_token_offline",
    "write_journal",
]

__version__: str
_debug_build: bool
#: How far (seconds) a signed time may be from the locker's clock and
#: still confirm it.
SIGNED_TIME_SKEW_S: int

#: A JSON object as a dict (the core's snake_case shape).
_JsonDict = Dict[str, Any]
_Dims = Tuple[int, int, int]
#: A record dict, or a journal's JSON-lines text.
_Records = Union[str, Sequence[Mapping[str, Any]]]

class LockerError(Exception):
    """Base class of every error raised by the locker package.

    ``code`` is the core's stable code for what went wrong (``"forged"``,
    ``"weak_key"``, ``"rejected"``, ``"bound_exceeded"``, ``"bank_mismatch"``,
    ``"invalid_argument"``, ...), on every error the package raises.
    """

    code: str

class InvalidArgumentError(LockerError, ValueError):
    """An argument the package refuses before the core sees it: a wrong
    length, a value out of range, a dict of the wrong shape or with an
    unknown key. ``argument`` names the parameter (the message names the
    path inside it too); ``code`` is ``"invalid_argument"``.
    """

    argument: Optional[str]

class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type (also a ``TypeError``)."""

class GeometryError(LockerError):
    """A size or weight that cannot be real (a side of 0 mm, a side over 5 m, ...)."""

    code: str

class ConfigError(LockerError):
    """A bank configuration was rejected; the message names the field and value."""

    code: str

class BankError(LockerError):
    """The bank refused a change (unknown, full, out-of-service or occupied compartment, ...); nothing changed."""

    code: str

class AllocationError(LockerError):
    """Bad input to allocation (an impossible or already stored parcel). A full bank is an overflow outcome, not an error."""

    code: str

class PackError(LockerError):
    """A packing is not physically possible (overlap, outside the space, unsupported)."""

    code: str

class CredentialError(LockerError):
    """A credential was refused or could not be issued (wrong, expired, used, throttled, weak key, ...).

    ``failure`` is the attempt to pass to ``CredentialStore.record_failure``
    where a store's refusal counts toward throttling, else ``None``;
    ``attempt`` is the attempt either way (``None`` for a refusal that was
    no attempt, such as an empty key ring).
    """

    code: str
    failure: Optional[Failure]
    attempt: Optional[Failure]

class QrError(LockerError):
    """A QR code could not be rendered."""

    code: str

class JournalError(LockerError):
    """A journal is malformed or was tampered with: edited, missing, reordered,
    forged (a MAC that does not verify), sealed with an unknown key,
    unauthenticated, rolled back, another site's key ring, another bank's
    journal (``bank_mismatch``).

    ``seq`` is the first bad record's sequence number when the core names one.
    """

    code: str
    seq: Optional[int]

class HardwareError(LockerError):
    """The hardware failed (jammed door, sensor fault, bus timeout, ...) or a Python hardware object raised.

    ``kind`` (and ``code``) is the kind's name, e.g. ``"door_jammed"``;
    ``kind`` is ``None`` for a physical action the simulated hardware
    cannot perform (``code`` ``"door_closed"``, ``"no_parcel"``,
    ``"unknown_door"``).
    """

    code: str
    kind: Optional[str]

class OperationError(LockerError):
    """A Locker operation was refused by the locker's state (door still open, nothing to collect, ...)."""

    code: str

class SimError(LockerError):
    """A building, bank or planner request for the simulation is invalid
    (``code`` ``"invalid_field"``, or the wrapped error's)."""

    code: str

class InfeasibleError(SimError):
    """No bank within the door limit keeps overflow at or under the target (``code`` ``"infeasible"``)."""

def fits(
    parcel_dims: _Dims,
    space_dims: _Dims,
    this_side_up: bool = False,
) -> Optional[str]:
    """The first orientation (``"wdh"``, ``"dwh"``, ...) in which the parcel
    fits the space, or ``None``.

    Sizes are ``(width_mm, depth_mm, height_mm)``. A ``this_side_up`` parcel
    only turns about the vertical axis. Raises :class:`GeometryError` for a
    side of 0 mm or over 5000 mm.
    """

# --- bank configurations ---------------------------------------------------

def default_bank() -> _JsonDict:
    """The default bank: 105 doors of classes A, B, C and XL, six chilled, ADA compliant."""

def bank_config_from_json(json: str) -> _JsonDict:
    """Parses and validates a bank configuration from JSON text. Raises :class:`ConfigError`."""

def bank_config_to_json(config: _JsonDict) -> str:
    """A bank configuration dict as pretty JSON text (after validating it)."""

def validate_bank_config(config: _JsonDict) -> _JsonDict:
    """Validates a configuration dict; returns it with every default filled in."""

@final
class Bank:
    """A bank at run time: its compartments, what they hold, and allocation."""

    def __new__(cls, config: _JsonDict) -> Bank:
        """Builds an empty bank from a configuration dict."""
    def config(self) -> _JsonDict:
        """The configuration as a dict."""
    def compartments(self) -> List[Compartment]:
        """Every compartment: ``spec`` (as in the configuration), ``usable``,
        ``in_service``, ``free`` (in service and empty), ``contents``."""
    def free_count(self) -> int:
        """How many compartments are free (in service and empty)."""
    def parcel_count(self) -> int:
        """How many parcels the bank holds."""
    def locate(self, parcel_id: int) -> Optional[int]:
        """The compartment id holding a parcel, or ``None``."""
    def allocate(self, request: Mapping[str, Any]) -> Outcome:
        """Chooses a compartment for a request dict without changing the bank."""
    def store(self, compartment: int, recipient: int, parcel: Mapping[str, Any]) -> Placement:
        """Stores a parcel dict; returns its placement. Raises :class:`BankError`."""
    def release(self, compartment: int) -> Contents:
        """Empties a compartment; returns its contents."""
    def set_in_service(self, compartment: int, in_service: bool) -> None:
        """Takes a compartment out of service or back in."""
    def plan_batch(self, requests: Sequence[Mapping[str, Any]]) -> BatchPlan:
        """Plans a courier's whole load without changing the bank."""
    def plan_batch_packed(
        self, requests: Sequence[Mapping[str, Any]], options: Optional[BatchOptions] = None
    ) -> BatchPlan:
        """Plans a courier's whole load packed into the free doors by a search; never worse than ``plan_batch``."""
    def apply_batch(self, plan: Mapping[str, Any]) -> None:
        """Stores every assignment of a batch plan, all or nothing."""

# --- packing ---------------------------------------------------------------

def pack(space: _Dims, parcels: Sequence[_JsonDict]) -> _JsonDict:
    """Packs parcel dicts into one space: ``{"packing": ..., "unplaced": [...]}``."""

def pack_bins(space: _Dims, parcels: Sequence[_JsonDict]) -> List[_JsonDict]:
    """Packs parcel dicts into as few identical spaces as the heuristic manages."""

def pack_into(
    compartments: Sequence[_JsonDict],
    parcels: Sequence[_JsonDict],
    options: Optional[_JsonDict] = None,
) -> _JsonDict:
    """Packs parcel dicts into compartments of different sizes for an objective:
    ``{"bins": [{"compartment": id, "packing": ...}], "unplaced": [...], "iterations": n}``."""

def lower_bound(space: _Dims, parcels: Sequence[_JsonDict]) -> int:
    """A lower bound on the spaces any packing of the parcels needs."""

# --- credentials -----------------------------------------------------------

@final
class KeyRing:
    """The site's signing keys; ``repr()`` shows key ids only."""

    def __new__(cls) -> KeyRing:
        """An empty key ring: call :meth:`rotate` to make the first key."""
    def rotate(self, entropy: Optional[bytes] = None) -> int:
        """Adds a fresh key that signs from now on; returns its id. ``entropy``
        (32 bytes) no random source would give (too few distinct values, a
        counter or ramp, printable text) is refused (:class:`CredentialError`,
        ``weak_entropy``, the message saying why)."""
    def add_key(self, key_id: int, secret: bytes) -> None:
        """Adds a shared key: its id and its 32 secret bytes. Raises
        :class:`CredentialError` (``weak_key``, the message saying why) for a
        weak secret (a repeated byte, a pattern, a counter, typed text)."""
    def to_bytes(self) -> bytes:
        """The whole ring as sealed-storage bytes (C's ``locker_keys_export`` format)."""
    @staticmethod
    def from_bytes(data: bytes) -> KeyRing:
        """The ring ``to_bytes`` (or C's ``locker_keys_export``) wrote; weak keys are refused (``weak_key``)."""
    def export_key(self, key_id: int) -> bytes:
        """The 32 secret bytes of a key, to share it with a verifier."""
    def retire(self, key_id: int) -> None:
        """Stops a key from verifying anything."""
    def checks(self) -> List[KeyCheck]:
        """Each key's id and check value (reveals nothing of the secrets)."""
    def ids(self) -> List[int]:
        """The key ids, oldest first."""
    def __len__(self) -> int: ...

@final
class CredentialStore:
    """The public credential records of a bank, with throttling."""

    def __new__(cls, policy: Optional[Mapping[str, Any]] = None) -> CredentialStore:
        """A store under a policy dict, or the default policy. A policy whose
        brute-force bound is above its target is refused
        (:class:`CredentialError`, ``bound_exceeded``)."""
    def policy(self) -> _JsonDict:
        """The policy as a dict."""
    def brute_force_bound(self, active_credentials: int = 200) -> BoundReport:
        """The policy's brute-force bound with ``active_credentials`` active PINs."""
    def issue_pin(
        self,
        keys: KeyRing,
        recipient: int,
        compartments: Sequence[int],
        expires_at_s: int,
        now_s: int,
        purpose: str = "pickup",
        entropy: Optional[bytes] = None,
    ) -> Tuple[str, _JsonDict]:
        """Issues and stores a PIN; returns ``(pin, record)``."""
    def issue_courier_code(
        self,
        keys: KeyRing,
        carrier: int,
        valid_from_s: int,
        expires_at_s: int,
        now_s: int,
        entropy: Optional[bytes] = None,
    ) -> Tuple[str, _JsonDict]:
        """Issues and stores a carrier's courier code (revoking its earlier one); returns ``(code, record)``."""
    def verify_courier(
        self,
        keys: KeyRing,
        code: str,
        now_s: int,
        kiosk: int = 1,
        carrier: Optional[int] = None,
    ) -> Grant:
        """Checks a courier code (only ``carrier``'s, when given: failures then
        count against that carrier); returns the grant or raises
        :class:`CredentialError`."""
    def verify_pin(
        self,
        keys: KeyRing,
        pin: str,
        now_s: int,
        unit: Optional[int] = None,
        kiosk: int = 1,
        purpose: str = "pickup",
    ) -> Grant:
        """Checks a typed PIN; returns the grant dict or raises :class:`CredentialError`."""
    def verify_token(
        self,
        keys: KeyRing,
        token: str,
        now_s: int,
        kiosk: int = 1,
        purpose: str = "pickup",
        *,
        bank: int = 0,
    ) -> Grant:
        """Checks a QR token for bank ``bank`` against the keys and this store; returns the grant."""
    def verify_remote(self, keys: KeyRing, bank: int, command: Mapping[str, Any], now_s: int) -> Grant:
        """Checks a signed remote command for bank ``bank``; returns the grant."""
    def verify_signed_time(self, keys: KeyRing, bank: int, signed: Mapping[str, Any]) -> None:
        """Checks a signed time for bank ``bank``; raises :class:`CredentialError`."""
    def redeem(self, grant: Mapping[str, Any], now_s: int) -> List[int]:
        """Marks a grant used once its door opened; returns the credentials spent."""
    def record_failure(self, failure: Mapping[str, Any]) -> List[Lockout]:
        """Records a failed attempt for throttling; returns lockouts started."""
    def insert(self, record: _JsonDict, now_s: int) -> None:
        """Adds a public record."""
    def revoke(self, credential_id: int, now_s: int) -> None:
        """Revokes a credential by id."""
    def records(self) -> List[_JsonDict]:
        """Every public record."""
    def __len__(self) -> int: ...

@final
class IssuerSigningKey:
    """A back end's Ed25519 signing key; ``repr()`` shows the key id only."""

    @staticmethod
    def generate(key_id: int, entropy: Optional[bytes] = None) -> IssuerSigningKey:
        """A fresh key, from ``entropy`` (32 bytes) or ``os.urandom``."""
    @staticmethod
    def from_bytes(key_id: int, secret: bytes) -> IssuerSigningKey:
        """The key of these 32 secret bytes; weak bytes are refused (``weak_key``)."""
    @property
    def key_id(self) -> int:
        """The key's id."""
    def public_key(self) -> IssuerKey:
        """The public key to list in a bank's ``credentials.issuers``."""
    def to_bytes(self) -> bytes:
        """The 32 secret bytes, for sealed storage."""

def brute_force_bound(policy: Optional[Mapping[str, Any]] = None, active_credentials: int = 200) -> BoundReport:
    """The brute-force bound of a credential policy dict (the default policy
    when ``None``) with ``active_credentials`` active PINs: the chance that
    a guesser opens any door within 24 hours, the target, the inputs and
    the attacker assumed."""

def issue_token(
    keys: KeyRing,
    compartments: Sequence[int],
    expires_at_s: int,
    now_s: int,
    purpose: str = "pickup",
    recipient: Optional[int] = None,
    entropy: Optional[bytes] = None,
    *,
    bank: int = 0,
) -> Tuple[str, _JsonDict]:
    """Issues a QR token for bank ``bank`` tagged with the newest site key
    (a back end's token, verifiable offline); returns ``(token, record)``."""

def issue_recorded_token(
    keys: KeyRing,
    compartments: Sequence[int],
    expires_at_s: int,
    now_s: int,
    purpose: str = "pickup",
    recipient: Optional[int] = None,
    entropy: Optional[bytes] = None,
    *,
    bank: int = 0,
) -> Tuple[str, _JsonDict]:
    """Issues a QR token only its record verifies, as the locker's own
    (``parcel_ready``'s ``qr_token``): it ends in a random secret whose
    digest the record keeps, so no site key makes it. It verifies with a
    store holding the record (``CredentialStore.verify_token``), never
    with :func:`verify_token_offline`. Returns ``(token, record)``."""

def issue_token_signed(
    signer: IssuerSigningKey,
    compartments: Sequence[int],
    expires_at_s: int,
    now_s: int,
    purpose: str = "pickup",
    recipient: Optional[int] = None,
    entropy: Optional[bytes] = None,
    *,
    bank: int = 0,
) -> Tuple[str, _JsonDict]:
    """Issues a QR token signed with a back end's Ed25519 key; returns ``(token, record)``."""

def sign_remote_command(keys: KeyRing, request: Mapping[str, Any], entropy: Optional[bytes] = None) -> RemoteCommand:
    """Signs a remote command with the newest site key (back end); returns the command dict."""

def sign_remote_command_ed25519(
    signer: IssuerSigningKey, request: Mapping[str, Any], entropy: Optional[bytes] = None
) -> RemoteCommand:
    """Signs a remote command with a back end's Ed25519 key; returns the command dict."""

def sign_time(keys: KeyRing, bank: int, time_s: int) -> SignedTime:
    """Signs the time for a bank with the newest site key (back end)."""

def sign_time_ed25519(signer: IssuerSigningKey, bank: int, time_s: int) -> SignedTime:
    """Signs the time for a bank with a back end's Ed25519 key."""

def verify_token_offline(
    keys: KeyRing,
    token: str,
    now_s: int,
    *,
    bank: int = 0,
    issuers: Optional[Sequence[Mapping[str, Any]]] = None,
) -> TokenClaims:
    """Checks a QR token's tag (site keys) or signature (a listed issuer) and expiry for bank ``bank``; returns its claims.
    The locker's own tokens (:func:`issue_recorded_token`, ``parcel_ready``)
    are refused (``rejected``): only their record verifies them."""

def qr_svg(
    text: str,
    module_px: int = 8,
    error_correction: str = "medium",
    quiet_zone_modules: int = 4,
) -> str:
    """Renders text as a QR code in SVG."""

# --- journals --------------------------------------------------------------

def read_journal(
    text: str,
    keys: Optional[KeyRing] = None,
    *,
    expected_head: Optional[Mapping[str, Any]] = None,
    min_records: Optional[int] = None,
    accept_legacy: bool = False,
) -> JournalRead:
    """Reads and verifies JSON-lines text: ``{"records", "torn_tail", "valid_bytes", "verified"}``.

    With ``keys`` every record's MAC is checked; without, integrity only
    (hashes, sequence, links: a rewrite with recomputed hashes passes).
    Raises :class:`JournalError` naming the first bad record.
    """

@final
class JournalTable:
    """Journal records as an Arrow table (see :mod:`locker.fleet`)."""

    SCHEMA_VERSION: int
    @property
    def num_rows(self) -> int: ...
    @property
    def ok(self) -> bool:
        """Whether every bank's journal verified whole."""
    @property
    def reports(self) -> List[Dict[str, Any]]:
        """One dict per bank: ``bank_id``, ``records``, ``respelt``, ``error``, ``verified``, ``torn_tail``."""
    def __len__(self) -> int: ...
    def __arrow_c_schema__(self) -> object: ...
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

def read_journal_arrow(
    text: str,
    keys: Optional[KeyRing] = None,
    *,
    bank_id: str = "",
    expected_head: Optional[Mapping[str, Any]] = None,
    min_records: Optional[int] = None,
    accept_legacy: bool = False,
    strict: bool = False,
) -> JournalTable:
    """One journal as an Arrow table, verified as it is read."""

def read_journals_arrow(
    journals: Any,
    keys: Union[KeyRing, Mapping[str, KeyRing], None] = None,
    *,
    accept_legacy: bool = False,
    strict: bool = False,
    threads: Optional[int] = None,
) -> JournalTable:
    """Many banks' journals as one Arrow table, on every core."""

def verify_journal(
    records: _Records,
    keys: Optional[KeyRing] = None,
    *,
    expected_head: Optional[Mapping[str, Any]] = None,
    min_records: Optional[int] = None,
    accept_legacy: bool = False,
) -> Verified:
    """Verifies record dicts or JSON-lines text; returns what was verified.

    With ``keys`` every record's MAC is checked; without, integrity only.
    Raises :class:`JournalError` naming the first bad record.
    """

def write_journal(records: Sequence[Mapping[str, Any]]) -> str:
    """Writes record dicts as JSON-lines text (after an integrity check)."""

def journal_stats(
    records: _Records,
    utc_offset_s: int = 0,
    *,
    from_s: Optional[int] = None,
    until_s: Optional[int] = None,
) -> JournalStats:
    """Statistics of a journal, computed by the core by replaying it.

    ``records`` is JSON-lines text (integrity checked) or the record dicts
    :func:`read_journal` returns; ``utc_offset_s`` (within ±14 h) makes
    hours of day local; ``from_s``/``until_s`` count only that window.
    Raises :class:`JournalError` (``.seq``) for records that do not replay.
    """

def parcel_stays(
    records: _Records,
    *,
    from_s: Optional[int] = None,
    until_s: Optional[int] = None,
) -> List[ParcelStay]:
    """Each parcel stored (in the window), in the order stored, as :func:`journal_stats` counts it."""

def replay(records: _Records, keys: Optional[KeyRing] = None, *, accept_legacy: bool = False) -> _JsonDict:
    """Replays a journal and returns the snapshot of the state it builds (sealed when ``keys`` are given)."""

# --- the locker -------------------------------------------------------------

@final
class SimulatedHardware:
    """A simulated lock board with physical rules, a clock and seeded entropy."""

    def __new__(
        cls,
        doors: Sequence[int],
        seed: int = 0,
        now_s: int = 1_700_000_000,
        *,
        monotonic_counter: bool = False,
        uptime: bool = False,
    ) -> SimulatedHardware:
        """A board with these door ids (and a monotonic counter at 0, an
        uptime counter at 0, when asked)."""
    def monotonic_counter_value(self) -> Optional[int]:
        """The monotonic counter's value, or ``None`` without one."""
    def set_now_s(self, now_s: int) -> None:
        """Sets the clock, as time passing (a forward move moves the uptime counter too)."""
    def advance_s(self, delta_s: int) -> None:
        """Time passes: the clock and the uptime counter move ``delta_s`` ahead."""
    def jump_clock_s(self, delta_s: int) -> None:
        """Moves the clock by ``delta_s`` (negative: back) at its next read,
        without time passing: the uptime counter stays."""
    def now_s(self) -> int:
        """The clock (a hardware call: a pending jump happens)."""
    def uptime_s(self) -> Optional[int]:
        """Seconds the board has run, or ``None`` without an uptime counter (a hardware call)."""
    def open_door(self, door: int) -> bool:
        """A person opens a door; returns whether it opened."""
    def close_door(self, door: int) -> bool:
        """A person closes a door; returns whether it was open."""
    def put_parcel(self, door: int) -> None:
        """A parcel goes in through an open door."""
    def take_parcel(self, door: int) -> None:
        """A parcel comes out through an open door."""
    def is_open(self, door: int) -> bool:
        """Whether a door is open."""
    def parcel_count(self, door: int) -> int:
        """Parcels physically inside a door."""
    def jam(self, door: int, always: bool = False) -> None:
        """Makes the next unlock of a door fail as jammed."""
    def fail_calls(self, operation: str, kind: str, always: bool = False) -> None:
        """Makes the next call of a hardware operation (``"unlock"``, ``"now_s"``, ...)
        fail with an error kind (``"power_lost"``, ``"bus_timeout"``, ...)."""
    def cut_power_after(self, calls: int) -> None:
        """Cuts the power after ``calls`` more hardware calls (0: now)."""
    def restore_power(self) -> None:
        """Restores the power."""
    def clear_faults(self) -> None:
        """Removes every injected fault."""

@final
class MemoryFlash:
    """A simulated NOR flash chip in memory: writes clear bits only, erases
    set whole blocks to 0xFF, and the power can be cut after a number of
    bytes. Pass it to :meth:`Locker.open_flash` and keep it: the locker
    writes to this very chip. One locker at a time per chip."""

    def __new__(cls, capacity_bytes: int, erase_block_bytes: int) -> MemoryFlash:
        """An erased chip of ``capacity_bytes`` (at most 64 MiB) in blocks of ``erase_block_bytes``."""
    @staticmethod
    def from_bytes(data: bytes, erase_block_bytes: int) -> MemoryFlash:
        """A chip holding ``data`` (a saved :meth:`to_bytes` image); wear at 0."""
    def copy(self) -> MemoryFlash:
        """An independent copy: bytes, wear and power state."""
    def __copy__(self) -> MemoryFlash: ...
    def __deepcopy__(self, memo: Any, /) -> MemoryFlash: ...
    @property
    def capacity_bytes(self) -> int:
        """Bytes of the region."""
    @property
    def erase_block_bytes(self) -> int:
        """Bytes of one erase block."""
    @property
    def power_lost(self) -> bool:
        """True once a cut has happened (until :meth:`restore_power`)."""
    @property
    def written_bytes(self) -> int:
        """Bytes written since the chip was made (wear)."""
    @property
    def erased_blocks(self) -> int:
        """Blocks erased since the chip was made (wear)."""
    def cut_power_after(self, bytes: int) -> None:
        """Cuts the power once ``bytes`` more bytes are written or erased (0: at the next write or erase)."""
    def restore_power(self) -> None:
        """Power back; what was written stays."""
    def to_bytes(self) -> bytes:
        """The chip's bytes (a copy)."""
    def write_raw(self, offset: int, data: bytes) -> None:
        """Sets bytes exactly, bypassing the flash rules (tampering, for tests)."""
    def read(self, offset: int, length: int) -> bytes:
        """Reads bytes as the journal does (:class:`JournalError` ``power_lost``, ``out_of_range``)."""
    def write(self, offset: int, data: bytes) -> None:
        """Programs bytes as NOR flash does: clears bits only."""
    def erase(self, offset: int, length: int) -> None:
        """Erases whole blocks back to 0xFF."""

@final
class CourierSessionHandle:
    """A signed-in courier."""

    @property
    def carrier(self) -> Optional[int]:
        """The courier's carrier id."""
    @property
    def kiosk(self) -> int:
        """The kiosk the courier signed in at."""

@final
class Locker:
    """A locker bank over simulated hardware or a Python hardware object, its
    journal in memory or on flash (:meth:`open_flash`)."""

    def __new__(cls, hardware: Any, config: Optional[Mapping[str, Any]] = None) -> Locker:
        """A new locker; ``hardware`` is a :class:`SimulatedHardware` or an object
        with the hardware methods (``unlock``, ``door_state``, ``now_s``,
        ``fill_random``; optionally ``occupancy``, ``monotonic_counter``,
        ``raise_monotonic_counter`` and ``uptime_s() -> int | None``). A
        credential policy whose brute-force bound is above its target is
        refused (:class:`CredentialError`, ``bound_exceeded``)."""
    @staticmethod
    def restore(
        keys: KeyRing,
        hardware: Any,
        records: _Records,
        *,
        snapshot: Optional[Mapping[str, Any]] = None,
        expected_head: Optional[Mapping[str, Any]] = None,
        expected_bank: Optional[int] = None,
        accept_legacy: bool = False,
    ) -> Locker:
        """Restores a locker from its journal (record dicts or JSON-lines text), authenticated with ``keys``;
        a journal or snapshot of another bank than ``expected_bank`` (or
        ``expected_head``'s ``bank_id``) is refused (:class:`JournalError`,
        ``bank_mismatch``)."""
    @staticmethod
    def open_flash(
        config: Optional[Mapping[str, Any]],
        keys: KeyRing,
        hardware: Any,
        flash: Union[MemoryFlash, Flash],
        *,
        compact_at_bytes: Optional[int] = None,
        expected_head: Optional[Mapping[str, Any]] = None,
        expected_bank: Optional[int] = None,
    ) -> Locker:
        """Opens the locker whose journal lives in ``flash`` (a :class:`MemoryFlash`
        or a :class:`locker.types.Flash`): a new locker with ``config`` and
        ``keys`` on a blank region, else the locker restored from the
        snapshot and records there, checked as :meth:`restore` checks (a
        blank region with an ``expected_head`` or a counted monotonic
        counter is ``rolled_back``; opening writes nothing). :class:`JournalError` codes
        ``flash_layout``, ``flash_failed``, ``flash_damaged``, ``forged``,
        ``out_of_memory`` (no heap to expand the snapshot), ...;
        :meth:`flash_report` says what was found."""
    def compact(self) -> bool:
        """Compacts the journal now (a ``journal_compacted`` event follows);
        ``False`` for a locker in memory."""
    def flash_usage(self) -> Optional[FlashUsage]:
        """Where the journal stands in its flash; ``None`` in memory."""
    def previous_records(self) -> List[_JsonDict]:
        """The other half's records (the history before the active snapshot,
        until the next compaction); empty in memory."""
    def flash_report(self) -> Optional[FlashReport]:
        """What :meth:`open_flash` found; ``None`` in memory."""
    def restore_report(self) -> Optional[RestoreReport]:
        """What the restore found; ``None`` for a locker made new."""
    def head(self) -> Optional[Head]:
        """The journal's last record as a head naming this bank, to export and pass back as ``expected_head``."""
    def keys(self) -> KeyRing:
        """A copy of the site keys."""
    def rotate_key(self) -> int:
        """Adds a fresh key that signs from now on (journaled); returns its id."""
    def add_key(self, key_id: int, secret: bytes) -> None:
        """Adds a provisioned key (journaled); weak secrets are refused."""
    def retire_key(self, key_id: int) -> None:
        """Retires a key (journaled)."""
    def observe_clock(self) -> int:
        """Reads the clock; returns the locker's time (a jump is held back: beyond
        the time an uptime counter says passed, or beyond ``clock.max_step_s``
        without one)."""
    def confirm_clock(self) -> int:
        """Staff confirm the clock after a jump; returns the locker's time."""
    def confirm_signed_time(self, signed: Mapping[str, Any]) -> int:
        """Confirms the clock with a time the back end signed; returns the locker's time."""
    def clock_offset_s(self) -> int:
        """Seconds the hardware clock runs ahead of the locker's time (held back)."""
    def clock_held_since_s(self) -> Optional[int]:
        """When the locker started holding a clock jump back, while one is held."""
    def bank_id(self) -> int:
        """The bank's id (the configuration's ``bank_id``)."""
    def issue_courier_code(self, carrier: int, valid_for_s: int) -> str:
        """Gives a carrier a courier code."""
    def courier_sign_in(self, code: str, kiosk: int = 1, carrier: Optional[int] = None) -> CourierSessionHandle:
        """Signs a courier in (journaled); with ``carrier``, only that carrier's
        code is looked at and failures count against that carrier."""
    def courier_sign_out(self, session: CourierSessionHandle) -> None:
        """Signs a courier out (journaled)."""
    def flush_attempts(self) -> None:
        """Journals every pending sum of refused attempts now."""
    def deposit(self, session: CourierSessionHandle, request: Mapping[str, Any]) -> DropOff:
        """Drops a parcel off; returns ``{"outcome": "opened", ...}`` or an overflow."""
    def plan_drop_off_batch(
        self,
        session: CourierSessionHandle,
        requests: Sequence[Mapping[str, Any]],
        options: Optional[BatchOptions] = None,
    ) -> BatchDropOff:
        """Plans a courier's whole load against the free doors; overflow is journaled."""
    def deposit_planned(self, session: CourierSessionHandle, step: BatchStep) -> DropOff:
        """Drops one step of a batch plan off: its door when it still takes the parcel."""
    def need_larger_door(self, compartment: int) -> DropOff:
        """Another, larger door for the parcel."""
    def cancel_deposit(self, compartment: int) -> None:
        """Cancels a drop-off whose door is open."""
    def door_closed(self, compartment: int) -> None:
        """A door was closed: completes its drop-off or pickup; a door the locker did not unlock is an alarm (journaled, refused)."""
    def tick(self) -> None:
        """Periodic upkeep: doors left open, reminders, expiry, pruning."""
    def pickup_pin(self, pin: str, unit: Optional[int] = None, kiosk: int = 1) -> List[int]:
        """Collects with a PIN; returns the doors opened."""
    def pickup_qr(self, token: str, kiosk: int = 1) -> List[int]:
        """Collects with a QR token; returns the doors opened."""
    def pickup_rfid(self, uid: bytes, pin: Optional[str] = None, kiosk: int = 1) -> List[int]:
        """Collects with an RFID tag; returns the doors opened."""
    def open_remote(self, command: Mapping[str, Any]) -> List[int]:
        """Opens a door for a pickup on a remote command signed for this bank; returns the doors opened."""
    def register_rfid(self, recipient: int, uid: bytes, with_pin: bool = False) -> Optional[str]:
        """Registers an RFID tag; returns its PIN when one is asked for."""
    def delegate(self, request: Mapping[str, Any]) -> Delegation:
        """Lets someone else collect; returns ``{"pin", "credential_id"}``."""
    def revoke_credential(self, credential_id: int) -> None:
        """Revokes a credential (a delegation, an RFID tag, ...) at once."""
    def reopen(self, compartment: int) -> None:
        """Opens the door again in the grace period after a pickup."""
    def report_missing(self, compartment: int) -> None:
        """The resident found the door empty."""
    def hold(self, recipient: int, until_s: int) -> None:
        """A recipient is away until ``until_s``."""
    def inspect(self, compartment: int, found_parcels: bool) -> None:
        """Staff looked inside a door interrupted by a power loss."""
    def staff_open(self, compartment: int, reason: str) -> None:
        """Staff open a door."""
    def set_out_of_service(self, compartment: int, reason: str) -> None:
        """Staff take a door out of service."""
    def back_in_service(self, compartment: int) -> None:
        """Staff put a door back in service."""
    def extend(self, compartment: int, by_s: int) -> int:
        """Extends a delivery's dwell; returns the new expiry."""
    def take_events(self) -> List[Event]:
        """The events since the last call (PINs and tokens included), each
        a :data:`locker.types.Event`: a TypedDict per ``type``, so comparing
        ``event["type"]`` narrows it."""
    def journal_records(self) -> List[_JsonDict]:
        """The journal's records (on flash: those after its snapshot, read back)."""
    def journal_text(self) -> str:
        """The journal as JSON-lines text (on flash: those after its snapshot)."""
    def snapshot(self) -> _JsonDict:
        """A snapshot of the state (no secrets), sealed with the newest key."""
    def doors(self) -> List[Door]:
        """Every door for display, in id order: configuration, `state`,
        the open door's `task`, recipient, parcel count and expiry."""

# --- simulation --------------------------------------------------------------

def default_building() -> Building:
    """The default building (every field): 100 units, 20 parcels per unit per month, a year."""

def default_classes() -> List[_JsonDict]:
    """The ambient door classes of the default bank at price 1."""

def simulate(
    building: Optional[Building] = None, bank: Optional[Mapping[str, Any]] = None
) -> SimResult:
    """Simulates a building against a bank (the default bank when ``None``); releases the GIL."""

def simulate_locker(
    building: Optional[Building] = None, bank: Optional[Mapping[str, Any]] = None
) -> LockerSimulation:
    """Simulates a building through a real locker over simulated hardware:
    the statistics (``simulate``'s, within noise), the locker's journal as
    JSON-lines text and the keys that sign it; releases the GIL."""

def plan(
    building: Optional[Building] = None,
    request: Optional[Mapping[str, Any]] = None,
    progress: Optional[Callable[[int, int], object]] = None,
) -> Plan:
    """Finds the fewest doors (or least cost) that keep overflow under the
    target in the request's ``percentile`` of ``seeds`` simulated years;
    releases the GIL. ``progress(done, total)`` is called after every
    simulated year; an exception it raises (and Ctrl-C) stops the plan."""

def coverage_curve(
    building: Optional[Building] = None,
    request: Optional[Mapping[str, Any]] = None,
    coverages: Optional[Sequence[float]] = None,
    progress: Optional[Callable[[int, int], object]] = None,
) -> CoverageCurve:
    """Doors against coverage (share of parcels that get a door), with
    doors at the 10th, 50th and 90th percentile of simulated years;
    ``progress`` as for :func:`plan`."""

def compose_bank(
    classes: Sequence[_JsonDict],
    counts: Sequence[int],
    policy: Optional[_JsonDict] = None,
    clearance_mm: int = 10,
) -> _JsonDict:
    """A bank configuration with ``counts[i]`` doors of ``classes[i]``."""
