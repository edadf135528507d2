"""Type stubs for the native module ``locker._locker``.

Kept in step with ``locker-py/src`` by ``mypy.stubtest`` in CI. Structured
values are dicts shaped like the core's snake_case JSON.
"""

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, final

from locker.types import Plan, SimResult

__all__ = [
    "AllocationError",
    "Bank",
    "BankError",
    "ConfigError",
    "CourierSessionHandle",
    "CredentialError",
    "CredentialStore",
    "GeometryError",
    "HardwareError",
    "InfeasibleError",
    "JournalError",
    "KeyRing",
    "Locker",
    "LockerError",
    "OperationError",
    "PackError",
    "QrError",
    "SimError",
    "SimulatedHardware",
    "__version__",
    "_debug_build",
    "bank_config_from_json",
    "bank_config_to_json",
    "compose_bank",
    "default_bank",
    "default_building",
    "default_classes",
    "fits",
    "issue_token",
    "lower_bound",
    "pack",
    "pack_bins",
    "plan",
    "qr_svg",
    "read_journal",
    "replay",
    "sign_remote_command",
    "simulate",
    "validate_bank_config",
    "verify_journal",
    "verify_token_offline",
    "write_journal",
]

__version__: str
_debug_build: bool

#: A JSON object as a dict (the core's snake_case shape).
_JsonDict = Dict[str, Any]
_Dims = Tuple[int, int, int]

class LockerError(Exception):
    """Base class of every error raised by the locker package."""

class GeometryError(LockerError):
    """A size or weight that cannot be real (a side of 0 mm, a side over 5 m, ...)."""

class ConfigError(LockerError):
    """A bank configuration was rejected; the message names the field and value."""

class BankError(LockerError):
    """The bank refused a change (unknown, full, out-of-service or occupied compartment, ...); nothing changed."""

class AllocationError(LockerError):
    """Bad input to allocation (an impossible or already stored parcel). A full bank is an overflow outcome, not an error."""

class PackError(LockerError):
    """A packing is not physically possible (overlap, outside the space, unsupported)."""

class CredentialError(LockerError):
    """A credential was refused or could not be issued (wrong, expired, used, throttled, ...)."""

class QrError(LockerError):
    """A QR code could not be rendered."""

class JournalError(LockerError):
    """A journal is malformed or was tampered with (edited, missing, reordered records)."""

class HardwareError(LockerError):
    """The hardware failed (jammed door, sensor fault, bus timeout, ...) or a Python hardware object raised."""

class OperationError(LockerError):
    """A Locker operation was refused by the locker's state (door still open, nothing to collect, ...)."""

class SimError(LockerError):
    """A building, bank or planner request for the simulation is invalid."""

class InfeasibleError(SimError):
    """No bank within the door limit keeps overflow at or under the target."""

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
    def compartments(self) -> List[_JsonDict]:
        """Every compartment: ``spec`` (as in the configuration), ``usable``,
        ``in_service``, ``free`` (in service and empty), ``contents``."""
    def free_count(self) -> int:
        """How many compartments are free (in service and empty)."""
    def parcel_count(self) -> int:
        """How many parcels the bank holds."""
    def locate(self, parcel_id: int) -> Optional[int]:
        """The compartment id holding a parcel, or ``None``."""
    def allocate(self, request: _JsonDict) -> _JsonDict:
        """Chooses a compartment for a request dict without changing the bank."""
    def store(self, compartment: int, recipient: int, parcel: _JsonDict) -> _JsonDict:
        """Stores a parcel dict; returns its placement. Raises :class:`BankError`."""
    def release(self, compartment: int) -> _JsonDict:
        """Empties a compartment; returns its contents."""
    def set_in_service(self, compartment: int, in_service: bool) -> None:
        """Takes a compartment out of service or back in."""
    def plan_batch(self, requests: Sequence[_JsonDict]) -> _JsonDict:
        """Plans a courier's whole load without changing the bank."""
    def apply_batch(self, plan: _JsonDict) -> None:
        """Stores every assignment of a batch plan, all or nothing."""

# --- packing ---------------------------------------------------------------

def pack(space: _Dims, parcels: Sequence[_JsonDict]) -> _JsonDict:
    """Packs parcel dicts into one space: ``{"packing": ..., "unplaced": [...]}``."""

def pack_bins(space: _Dims, parcels: Sequence[_JsonDict]) -> List[_JsonDict]:
    """Packs parcel dicts into as few identical spaces as the heuristic manages."""

def lower_bound(space: _Dims, parcels: Sequence[_JsonDict]) -> int:
    """A lower bound on the spaces any packing of the parcels needs."""

# --- credentials -----------------------------------------------------------

@final
class KeyRing:
    """The site's signing keys; ``repr()`` shows key ids only."""

    def __new__(cls) -> KeyRing:
        """An empty key ring: call :meth:`rotate` to make the first key."""
    def rotate(self, entropy: Optional[bytes] = None) -> int:
        """Adds a fresh key that signs from now on; returns its id."""
    def add_key(self, key_id: int, secret: bytes) -> None:
        """Adds a shared key: its id and its 32 secret bytes."""
    def to_bytes(self) -> bytes:
        """The whole ring as sealed-storage bytes (C's ``locker_keys_export`` format)."""
    @staticmethod
    def from_bytes(data: bytes) -> KeyRing:
        """The ring ``to_bytes`` (or C's ``locker_keys_export``) wrote."""
    def export_key(self, key_id: int) -> bytes:
        """The 32 secret bytes of a key, to share it with a verifier."""
    def retire(self, key_id: int) -> None:
        """Stops a key from verifying anything."""
    def ids(self) -> List[int]:
        """The key ids, oldest first."""
    def __len__(self) -> int: ...

@final
class CredentialStore:
    """The public credential records of a bank, with throttling."""

    def __new__(cls, policy: Optional[_JsonDict] = None) -> CredentialStore:
        """A store under a policy dict, or the default policy."""
    def policy(self) -> _JsonDict:
        """The policy as a dict."""
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
    def verify_pin(
        self,
        keys: KeyRing,
        pin: str,
        now_s: int,
        unit: Optional[int] = None,
        kiosk: int = 1,
        purpose: str = "pickup",
    ) -> _JsonDict:
        """Checks a typed PIN; returns the grant dict or raises :class:`CredentialError`."""
    def verify_token(
        self,
        keys: KeyRing,
        token: str,
        now_s: int,
        kiosk: int = 1,
        purpose: str = "pickup",
    ) -> _JsonDict:
        """Checks a QR token against the keys and this store; returns the grant."""
    def verify_remote(self, keys: KeyRing, bank: int, command: _JsonDict, now_s: int) -> _JsonDict:
        """Checks a signed remote command for bank ``bank``; returns the grant."""
    def redeem(self, grant: _JsonDict, now_s: int) -> List[int]:
        """Marks a grant used once its door opened; returns the credentials spent."""
    def record_failure(self, failure: _JsonDict) -> List[_JsonDict]:
        """Records a failed attempt for throttling; returns lockouts started."""
    def insert(self, record: _JsonDict, now_s: int) -> None:
        """Adds a public record."""
    def revoke(self, credential_id: int, now_s: int) -> None:
        """Revokes a credential by id."""
    def records(self) -> List[_JsonDict]:
        """Every public record."""
    def __len__(self) -> int: ...

def issue_token(
    keys: KeyRing,
    compartments: Sequence[int],
    expires_at_s: int,
    now_s: int,
    purpose: str = "pickup",
    recipient: Optional[int] = None,
    entropy: Optional[bytes] = None,
) -> Tuple[str, _JsonDict]:
    """Issues a signed QR token; returns ``(token, record)``."""

def sign_remote_command(keys: KeyRing, request: _JsonDict, entropy: Optional[bytes] = None) -> _JsonDict:
    """Signs a remote command (back end); returns the command dict."""

def verify_token_offline(keys: KeyRing, token: str, now_s: int) -> _JsonDict:
    """Checks a QR token's signature and expiry with the keys alone; returns its claims."""

def qr_svg(
    text: str,
    module_px: int = 8,
    error_correction: str = "medium",
    quiet_zone_modules: int = 4,
) -> str:
    """Renders text as a QR code in SVG."""

# --- journals --------------------------------------------------------------

def read_journal(text: str) -> _JsonDict:
    """Reads JSON-lines text: ``{"records", "torn_tail", "valid_bytes"}``. Raises :class:`JournalError`."""

def verify_journal(records: Sequence[_JsonDict]) -> None:
    """Checks record dicts; raises :class:`JournalError` naming the first bad one."""

def write_journal(records: Sequence[_JsonDict]) -> str:
    """Writes record dicts as JSON-lines text."""

def replay(records: Sequence[_JsonDict]) -> _JsonDict:
    """Replays records and returns the snapshot of the state they build."""

# --- the locker -------------------------------------------------------------

@final
class SimulatedHardware:
    """A simulated lock board with physical rules, a clock and seeded entropy."""

    def __new__(cls, doors: Sequence[int], seed: int = 0, now_s: int = 1_700_000_000) -> SimulatedHardware:
        """A board with these door ids."""
    def set_now_s(self, now_s: int) -> None:
        """Sets the clock."""
    def now_s(self) -> int:
        """The clock."""
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
    def clear_faults(self) -> None:
        """Removes every injected fault."""

@final
class CourierSessionHandle:
    """A signed-in courier."""

    @property
    def carrier(self) -> Optional[int]:
        """The courier's carrier id."""

@final
class Locker:
    """A locker bank over simulated hardware or a Python hardware object."""

    def __new__(cls, hardware: Any, config: Optional[_JsonDict] = None) -> Locker:
        """A new locker; ``hardware`` is a :class:`SimulatedHardware` or an object with the hardware methods."""
    @staticmethod
    def restore(keys: KeyRing, hardware: Any, records: Sequence[_JsonDict]) -> Locker:
        """Restores a locker from its journal records."""
    def keys(self) -> KeyRing:
        """A copy of the site keys."""
    def issue_courier_code(self, carrier: int, valid_for_s: int) -> str:
        """Gives a carrier a courier code."""
    def courier_sign_in(self, code: str, kiosk: int = 1) -> CourierSessionHandle:
        """Signs a courier in."""
    def deposit(self, session: CourierSessionHandle, request: _JsonDict) -> _JsonDict:
        """Drops a parcel off; returns ``{"outcome": "opened", ...}`` or an overflow."""
    def need_larger_door(self, compartment: int) -> _JsonDict:
        """Another, larger door for the parcel."""
    def cancel_deposit(self, compartment: int) -> None:
        """Cancels a drop-off whose door is open."""
    def door_closed(self, compartment: int) -> None:
        """A door was closed: completes its drop-off or pickup."""
    def tick(self) -> None:
        """Periodic upkeep: doors left open, reminders, expiry, pruning."""
    def pickup_pin(self, pin: str, unit: Optional[int] = None, kiosk: int = 1) -> List[int]:
        """Collects with a PIN; returns the doors opened."""
    def pickup_qr(self, token: str, kiosk: int = 1) -> List[int]:
        """Collects with a QR token; returns the doors opened."""
    def pickup_rfid(self, uid: bytes, pin: Optional[str] = None, kiosk: int = 1) -> List[int]:
        """Collects with an RFID tag; returns the doors opened."""
    def open_remote(self, bank: int, command: _JsonDict) -> List[int]:
        """Opens a door for a pickup on a signed remote command; returns the doors opened."""
    def register_rfid(self, recipient: int, uid: bytes, with_pin: bool = False) -> Optional[str]:
        """Registers an RFID tag; returns its PIN when one is asked for."""
    def delegate(self, request: _JsonDict) -> _JsonDict:
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
    def take_events(self) -> List[_JsonDict]:
        """The events since the last call (PINs and tokens included)."""
    def journal_records(self) -> List[_JsonDict]:
        """The journal's records."""
    def journal_text(self) -> str:
        """The journal as JSON-lines text."""
    def snapshot(self) -> _JsonDict:
        """A snapshot of the state (no secrets)."""
    def doors(self) -> List[_JsonDict]:
        """Every door for display, in id order: configuration, `state`,
        the open door's `task`, recipient, parcel count and expiry."""

# --- simulation --------------------------------------------------------------

def default_building() -> _JsonDict:
    """The default building: 100 units, 20 parcels per unit per month, a year."""

def default_classes() -> List[_JsonDict]:
    """The ambient door classes of the default bank at price 1."""

def simulate(
    building: Optional[Mapping[str, Any]] = None, bank: Optional[Mapping[str, Any]] = None
) -> SimResult:
    """Simulates a building against a bank (the default bank when ``None``); releases the GIL."""

def plan(
    building: Optional[Mapping[str, Any]] = None, request: Optional[Mapping[str, Any]] = None
) -> Plan:
    """Finds the fewest doors (or least cost) that keep overflow under the target; releases the GIL."""

def compose_bank(
    classes: Sequence[_JsonDict],
    counts: Sequence[int],
    policy: Optional[_JsonDict] = None,
    clearance_mm: int = 10,
) -> _JsonDict:
    """A bank configuration with ``counts[i]`` doors of ``classes[i]``."""
