"""Smart parcel locker logic: the Python face of the Rust ``locker-core``.

Everything but :mod:`locker.analytics` is re-exported from the private native
module ``locker._locker``; import from ``locker``, never from
``locker._locker``.

Structured values (bank configurations, requests, parcels, outcomes,
journal records, simulation results) are plain dicts and lists shaped
exactly like the core's snake_case JSON, so ``json.dumps`` of any of them
is what the other bindings and the firmware read.

- Bank configurations: :func:`default_bank`, :func:`bank_config_from_json`,
  :func:`bank_config_to_json`, :func:`validate_bank_config`.
- Allocation: :class:`Bank` (``allocate``, ``store``, ``release``,
  ``plan_batch``, ``apply_batch``).
- Packing: :func:`pack`, :func:`pack_bins`, :func:`pack_into`, :func:`lower_bound`.
- Credentials: :class:`KeyRing` (weak keys refused, ``checks()``),
  :class:`CredentialStore` (PINs, courier codes, tokens, remote commands;
  throttling), :func:`brute_force_bound` (a policy above its target is
  refused), :func:`issue_token` (a back end's token, verifiable offline),
  :func:`issue_recorded_token` (the locker's own kind, verifiable only with
  its record), :func:`verify_token_offline`,
  :func:`qr_svg`, :func:`sign_remote_command` (for ``Locker.open_remote``),
  :func:`sign_time` (for ``Locker.confirm_signed_time``); a back end's
  Ed25519 key :class:`IssuerSigningKey` with :func:`issue_token_signed`,
  :func:`sign_remote_command_ed25519` and :func:`sign_time_ed25519`.
- The locker: :class:`Locker` over :class:`SimulatedHardware` or any object
  with the hardware methods (``restore`` authenticated with the keys and
  told its bank, ``head``, ``restore_report``, key rotation, clock
  confirmation; an optional ``uptime_s`` counter holds back a clock pushed
  ahead in small steps);
  :func:`replay`.
- The journal on flash: :meth:`Locker.open_flash` over a
  :class:`MemoryFlash` (a simulated NOR chip with a power switch) or any
  object with the flash methods (:class:`locker.types.Flash`); the locker
  compacts into the other half (``journal_compacted``), ``compact``,
  ``flash_usage``, ``previous_records``, ``flash_report``.
- Journals: :func:`read_journal`, :func:`verify_journal` (with a
  :class:`KeyRing`: every record's MAC; without: integrity only),
  :func:`write_journal`; statistics computed by the core,
  :func:`journal_stats` and :func:`parcel_stays`, formatted in
  :mod:`locker.analytics`.
- Simulation and planning: :func:`simulate`, :func:`simulate_locker` (a
  real locker's journal too), :func:`plan`, :func:`coverage_curve`,
  :func:`default_building`, :func:`default_classes`, :func:`compose_bank`;
  the shapes of their results in :mod:`locker.types`.
- Portfolios: :mod:`locker.portfolio` plans many buildings on a
  ``dask.distributed`` cluster (the ``dask`` extra; imported only when
  asked for, so the package works without Dask).

Every error derives from :class:`LockerError`, whose ``code`` is the core's
stable code for what went wrong (``"forged"``, ``"weak_key"``, ...). An
argument refused before the core sees it (a wrong type, length or shape)
raises :class:`InvalidArgumentError` (also a ``ValueError``) or
:class:`ArgumentTypeError` (also a ``TypeError``), code
``"invalid_argument"``, naming the argument.
"""

from locker import analytics, types
from locker._locker import (
    AllocationError,
    ArgumentTypeError,
    Bank,
    BankError,
    ConfigError,
    CourierSessionHandle,
    CredentialError,
    CredentialStore,
    GeometryError,
    HardwareError,
    InfeasibleError,
    InvalidArgumentError,
    IssuerSigningKey,
    JournalError,
    KeyRing,
    Locker,
    LockerError,
    MemoryFlash,
    OperationError,
    PackError,
    QrError,
    SIGNED_TIME_SKEW_S,
    SimError,
    SimulatedHardware,
    __version__,
    bank_config_from_json,
    bank_config_to_json,
    brute_force_bound,
    compose_bank,
    coverage_curve,
    default_bank,
    default_building,
    default_classes,
    fits,
    issue_recorded_token,
    issue_token,
    issue_token_signed,
    journal_stats,
    lower_bound,
    pack,
    pack_bins,
    pack_into,
    parcel_stays,
    plan,
    read_journal,
    replay,
    sign_remote_command,
    sign_remote_command_ed25519,
    sign_time,
    sign_time_ed25519,
    simulate,
    simulate_locker,
    validate_bank_config,
    verify_journal,
    verify_token_offline,
    write_journal,
)


from locker import _locker


class QrSvg(str):
    """A QR code as SVG text: a ``str``, which Jupyter and IPython draw
    (``_repr_svg_``) instead of printing."""

    __slots__ = ()

    def _repr_svg_(self) -> str:
        return str(self)


def qr_svg(
    text: str,
    module_px: int = 8,
    error_correction: str = "medium",
    quiet_zone_modules: int = 4,
) -> QrSvg:
    """Renders text (a QR token) as a QR code in SVG, drawn in notebooks.
    ``error_correction`` is ``"low"``, ``"medium"``, ``"quartile"`` or
    ``"high"``; raises :class:`QrError` for text too long for a QR code."""
    return QrSvg(_locker.qr_svg(text, module_px, error_correction, quiet_zone_modules))


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
    "KeyRing",
    "Locker",
    "LockerError",
    "MemoryFlash",
    "OperationError",
    "PackError",
    "QrError",
    "QrSvg",
    "SIGNED_TIME_SKEW_S",
    "SimError",
    "SimulatedHardware",
    "__version__",
    "analytics",
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
    "replay",
    "sign_remote_command",
    "sign_remote_command_ed25519",
    "sign_time",
    "sign_time_ed25519",
    "simulate",
    "simulate_locker",
    "types",
    "validate_bank_config",
    "verify_journal",
    "verify_token_offline",
    "write_journal",
]
