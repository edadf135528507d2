"""PINs, QR tokens and QR rendering."""

import pytest

import locker
from conftest import NOW_S, seed


def test_key_ring_rotates_and_hides_secrets() -> None:
    ring = locker.KeyRing()
    assert len(ring) == 0
    first = ring.rotate(seed(1))
    second = ring.rotate()
    assert ring.ids() == [first, second]
    assert "KeyRing(ids=" in repr(ring)
    assert len(ring.export_key(first)) == 32
    with pytest.raises(ValueError, match="entropy: expected 32 bytes, not 5") as short:
        ring.rotate(b"short")
    assert isinstance(short.value, locker.InvalidArgumentError)
    assert (short.value.code, short.value.argument) == ("invalid_argument", "entropy")
    # Entropy no random source gives seeds nothing.
    with pytest.raises(locker.CredentialError) as weak:
        ring.rotate(b"\x01" * 32)
    assert weak.value.code == "weak_entropy"
    assert ring.ids() == [first, second]


def test_a_key_ring_moves_as_the_bytes_c_exports() -> None:
    keys = locker.KeyRing()
    first = keys.rotate(entropy=seed(0))
    second = keys.rotate(entropy=seed(1))
    keys.retire(second)
    data = keys.to_bytes()
    # A format byte, the largest id used (big-endian), then id + secret.
    assert len(data) == 3 + 34 and data[1:3] == second.to_bytes(2, "big")
    again = locker.KeyRing.from_bytes(data)
    assert again.ids() == [first] and again.export_key(first) == keys.export_key(first)
    # A retired id is never reused after the round trip.
    assert again.rotate(entropy=seed(2)) > second

    # A provisioned ring: key 7 with 32 bytes a random source could give.
    secret = seed(7)
    provisioned = bytes([data[0], 0, 7, 0, 7]) + secret
    assert locker.KeyRing.from_bytes(provisioned).export_key(7) == secret
    # 32 bytes of 0x5a is no key a random source gives: refused.
    with pytest.raises(locker.CredentialError, match="weak") as caught:
        locker.KeyRing.from_bytes(bytes([data[0], 0, 7, 0, 7]) + b"\x5a" * 32)
    assert caught.value.code == "weak_key"
    with pytest.raises(locker.CredentialError, match="3-byte header") as caught:
        locker.KeyRing.from_bytes(b"\x01")
    assert caught.value.code == "invalid_request"
    with pytest.raises(locker.CredentialError, match="34-byte keys"):
        locker.KeyRing.from_bytes(provisioned[:-1])


def test_pin_issue_verify_redeem(keys: locker.KeyRing) -> None:
    store = locker.CredentialStore()
    pin, record = store.issue_pin(keys, 12, [3], NOW_S + 48 * 3600, NOW_S)
    assert len(pin) == 8 and pin.isdigit()
    assert pin not in str(record)
    assert len(store) == 1
    grant = store.verify_pin(keys, pin, NOW_S + 60, unit=12)
    assert grant["compartments"] == [3]
    assert grant["channel"] == "pin"
    assert store.redeem(grant, NOW_S + 90) == [grant["credential_id"]]
    with pytest.raises(locker.CredentialError):
        store.verify_pin(keys, pin, NOW_S + 120, unit=12)


def test_wrong_pin_carries_the_failure_to_record(keys: locker.KeyRing) -> None:
    store = locker.CredentialStore()
    pin, _ = store.issue_pin(keys, 12, [3], NOW_S + 3600, NOW_S)
    wrong = "0" * 8 if pin != "0" * 8 else "1" * 8
    with pytest.raises(locker.CredentialError) as caught:
        store.verify_pin(keys, wrong, NOW_S, unit=12)
    failure = getattr(caught.value, "failure")
    assert failure["channel"] == "pin"
    assert store.record_failure(failure) == []
    with pytest.raises(ValueError, match="purpose"):
        store.verify_pin(keys, pin, NOW_S, unit=12, purpose="party")


def test_tokens_verify_offline_and_once(keys: locker.KeyRing) -> None:
    token, record = locker.issue_token(keys, [41], NOW_S + 3 * 86_400, NOW_S, recipient=12)
    # One door and a recipient: 74 characters (a QR code of version 4-M).
    assert len(token) == 74 and token.isupper()
    claims = locker.verify_token_offline(keys, token, NOW_S)
    assert claims["compartments"] == [41]
    assert (claims["version"], claims["issued_at_s"]) == (3, NOW_S)
    assert (claims["signer"], claims["recipient"]) == ("site", 12)
    # The token names its bank (0 here): another bank's check refuses it.
    with pytest.raises(locker.CredentialError) as caught:
        locker.verify_token_offline(keys, token, NOW_S, bank=7)
    assert caught.value.code == "rejected"
    store = locker.CredentialStore()
    grant = store.verify_token(keys, token, NOW_S)
    store.redeem(grant, NOW_S)
    with pytest.raises(locker.CredentialError, match="used"):
        store.verify_token(keys, token, NOW_S)
    with pytest.raises(locker.CredentialError):
        locker.verify_token_offline(locker.KeyRing(), token, NOW_S)
    with pytest.raises(locker.CredentialError, match="expired"):
        locker.verify_token_offline(keys, token, NOW_S + 4 * 86_400)
    assert record["kind"]


def test_same_entropy_same_token(keys: locker.KeyRing) -> None:
    a, _ = locker.issue_token(keys, [1], NOW_S + 60, NOW_S, entropy=seed(7))
    b, _ = locker.issue_token(keys, [1], NOW_S + 60, NOW_S, entropy=seed(7))
    assert a == b


def test_qr_svg(keys: locker.KeyRing) -> None:
    token, _ = locker.issue_token(keys, [41], NOW_S + 60, NOW_S)
    svg = locker.qr_svg(token)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert len(locker.qr_svg(token, module_px=2)) <= len(svg)
    with pytest.raises(ValueError, match="error_correction"):
        locker.qr_svg(token, error_correction="extreme")
    with pytest.raises(ValueError, match="module_px"):
        locker.qr_svg(token, module_px=0)
    with pytest.raises(ValueError, match="quiet_zone_modules"):
        locker.qr_svg(token, quiet_zone_modules=101)
    with pytest.raises(locker.QrError) as too_long:
        locker.qr_svg("X" * 5_000)
    assert isinstance(too_long.value, locker.LockerError) and too_long.value.code != ""


def test_qr_svg_is_a_str_notebooks_draw(keys: locker.KeyRing) -> None:
    token, _ = locker.issue_token(keys, [41], NOW_S + 60, NOW_S)
    svg = locker.qr_svg(token, module_px=2)
    # Still the SVG text (json.dumps, file writes, comparisons), and
    # IPython's display protocol draws it.
    assert isinstance(svg, str) and isinstance(svg, locker.QrSvg)
    assert svg == locker._locker.qr_svg(token, 2) and svg._repr_svg_() == svg
    assert type(svg._repr_svg_()) is str


def test_records_read_back_in_their_key_order(keys: locker.KeyRing) -> None:
    store = locker.CredentialStore()
    _, record = store.issue_pin(keys, 12, [3], NOW_S + 3600, NOW_S)
    kind = record["kind"]
    assert next(iter(kind)) == "type"  # the tag comes first, as written
    other = locker.CredentialStore()
    # The other fields in any order: the tag stays first.
    shuffled = {"type": kind["type"], **dict(reversed([*kind.items()][1:]))}
    other.insert({**record, "kind": shuffled}, NOW_S)
    assert len(other) == 1
    # The tag anywhere else is refused, naming the argument and the rule.
    tag_last = {**{k: v for k, v in kind.items() if k != "type"}, "type": kind["type"]}
    with pytest.raises(ValueError, match=r"record.kind: the first field must be `type`"):
        locker.CredentialStore().insert({**record, "kind": tag_last}, NOW_S)


def test_data_nested_without_end_is_a_value_error(keys: locker.KeyRing) -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested more than 128 deep"):
        locker.CredentialStore().insert({"kind": loop}, NOW_S)
